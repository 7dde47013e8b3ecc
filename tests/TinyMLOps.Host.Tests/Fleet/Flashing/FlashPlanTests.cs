using System.Text.Json;
using TinyMLOps.Fleet.Flashing;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Fleet.Flashing;

public sealed class FlashPlanTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-plan-");

    private FlashRequest Request(string board, NanoffSyntax syntax = NanoffSyntax.Classic) =>
        new(BoardCatalog.Default.Get(board), "COM7", "dev-1", Path.Combine(_dir.FullName, "dev-1"), Path.Combine(_dir.FullName, "app")) { Syntax = syntax };

    [Fact]
    public void An_esp32_is_flashed_over_its_serial_port_and_nanoff_finds_the_deploy_partition()
    {
        FlashPlan plan = FlashPlan.Create(Request("esp32-s3"));

        Assert.Equal([FlashStepKind.UpdateFirmware, FlashStepKind.DeployApplication, FlashStepKind.DeployConfiguration], plan.Steps.Select(s => s.Kind));
        Assert.Equal(["--update", "--target", "ESP32_S3_QUAD", "--serialport", "COM7"], plan.Steps[0].Arguments);
        Assert.Equal(["--deploy", "--target", "ESP32_S3_QUAD", "--serialport", "COM7", "--image", plan.ImagePath], plan.Steps[1].Arguments);
        Assert.Equal(["--filedeployment", plan.FileDeploymentPath], plan.Steps[2].Arguments);
        Assert.All(plan.Steps, s => Assert.Equal("nanoff", s.Program));
    }

    [Fact]
    public void An_stm32_is_flashed_through_its_probe_and_the_image_goes_to_the_deployment_address()
    {
        FlashPlan plan = FlashPlan.Create(Request("stm32f769i-disco"));

        Assert.Equal(["--update", "--target", "ST_STM32F769I_DISCOVERY", "--jtag"], plan.Steps[0].Arguments);
        Assert.Equal(["--deploy", "--target", "ST_STM32F769I_DISCOVERY", "--jtag", "--image", plan.ImagePath, "--address", "0x080C0000", "--reset"], plan.Steps[1].Arguments);
        Assert.Equal(["--filedeployment", plan.FileDeploymentPath], plan.Steps[2].Arguments);
    }

    [Fact]
    public void The_verb_syntax_gives_one_verb_per_command_with_the_same_keywords()
    {
        FlashPlan esp = FlashPlan.Create(Request("esp32-devkitc", NanoffSyntax.Verbs));
        Assert.Equal(["flash", "--target", "ESP32_REV3", "--serialport", "COM7"], esp.Steps[0].Arguments);
        Assert.Equal(["deploy", "--target", "ESP32_REV3", "--serialport", "COM7", "--image", esp.ImagePath], esp.Steps[1].Arguments);
        Assert.Equal(["deploy", "--file", esp.FileDeploymentPath, "--serialport", "COM7"], esp.Steps[2].Arguments);

        FlashPlan stm = FlashPlan.Create(Request("stm32f769i-disco", NanoffSyntax.Verbs));
        Assert.Equal(["flash", "--target", "ST_STM32F769I_DISCOVERY", "--jtag"], stm.Steps[0].Arguments);
        Assert.Equal(["deploy", "--target", "ST_STM32F769I_DISCOVERY", "--image", stm.ImagePath, "--address", "0x080C0000"], stm.Steps[1].Arguments);
    }

    [Fact]
    public void A_board_without_a_file_system_skips_the_configuration_and_says_why()
    {
        // the F429's flash facts on a board that would take the app (the real F429 is refused: below)
        BoardProfile f429 = BoardCatalog.Default.Get("stm32f429i-disco");
        FlashPlan plan = FlashPlan.Create(Request("stm32f429i-disco") with { Board = f429 with { Deployable = true, NotDeployableReason = null } });

        Assert.Equal([FlashStepKind.UpdateFirmware, FlashStepKind.DeployApplication], plan.Steps.Select(s => s.Kind));
        Assert.Contains("0x080A0000", plan.Steps[1].Arguments);
        Assert.Empty(plan.Files);
        Assert.Contains("no file system", Assert.Single(plan.Notes));
    }

    [Theory]
    [InlineData(NanoffSyntax.Classic)]
    [InlineData(NanoffSyntax.Verbs)]
    public void A_board_that_is_not_deployable_gets_no_plan_and_the_profiles_reason(NanoffSyntax syntax)
    {
        BoardProfile f429 = BoardCatalog.Default.Get("stm32f429i-disco");
        var e = Assert.Throws<InvalidOperationException>(() => FlashPlan.Create(Request("stm32f429i-disco", syntax)));
        Assert.Equal("cannot flash: stm32f429i-disco is not deployable: " + f429.NotDeployableReason, e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "dev-1")));
    }

    [Fact]
    public void The_file_deployment_json_has_nanoffs_schema_and_takes_ca_pem_samples_and_labels_when_they_are_there()
    {
        string device = Directory.CreateDirectory(Path.Combine(_dir.FullName, "dev-1")).FullName;
        Assert.Single(FlashPlan.Create(Request("esp32-c3")).Files);

        File.WriteAllText(Path.Combine(device, "ca.pem"), "-----BEGIN CERTIFICATE-----");
        File.WriteAllBytes(Path.Combine(device, "samples.bin"), new byte[784]);
        File.WriteAllBytes(Path.Combine(device, "labels.bin"), new byte[1]);
        FlashPlan plan = FlashPlan.Create(Request("esp32-c3"));

        using JsonDocument json = JsonDocument.Parse(plan.FileDeploymentJson());
        Assert.Equal("COM7", json.RootElement.GetProperty("SerialPort").GetString());
        var files = json.RootElement.GetProperty("Files").EnumerateArray().ToList();
        Assert.Equal(4, files.Count);
        Assert.Equal(@"I:\tinymlops.cfg", files[0].GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(device, "tinymlops.cfg"), files[0].GetProperty("SourceFilePath").GetString());
        Assert.Equal(@"I:\ca.pem", files[1].GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(device, "ca.pem"), files[1].GetProperty("SourceFilePath").GetString());
        Assert.Equal(@"I:\samples.bin", files[2].GetProperty("DestinationFilePath").GetString());
        Assert.Equal(@"I:\labels.bin", files[3].GetProperty("DestinationFilePath").GetString());
    }

    [Fact]
    public void A_missing_nanoff_is_installed_first_and_every_command_pastes_as_one_line()
    {
        var request = Request("esp32-wrover") with { InstallNanoff = true, DeviceDirectory = Path.Combine(_dir.FullName, "my devices", "dev-1") };
        FlashPlan plan = FlashPlan.Create(request);

        Assert.Equal("dotnet tool install -g nanoff", plan.Steps[0].CommandLine);
        Assert.Contains($"--image \"{Path.Combine(_dir.FullName, "my devices", "dev-1", "deployment.bin")}\"", plan.Steps[2].CommandLine);
        string described = plan.Describe();
        Assert.All(plan.Steps, s => Assert.Contains(s.CommandLine + Environment.NewLine, described));
        Assert.Equal("\"a \\\"b\\\"\"", FlashStep.Quote("a \"b\""));
        Assert.Equal("0x080C0000", FlashStep.Quote("0x080C0000"));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
