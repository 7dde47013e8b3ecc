using System.Text.Json;
using TinyMLOps.Console;
using TinyMLOps.Host.Tests.Console.Provision;
using TinyMLOps.Host.Tests.Fleet.Flashing;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Console.Flash;

/// <summary>
/// `flash` through the real command tree against a fake nanoff on a temporary PATH (<see cref="FakeTools"/>), for
/// every board profile in boards/. The fakes are sh scripts, so these tests return early on Windows.
/// </summary>
public sealed class FlashCliTests : ConsoleTest
{
    /// <summary>The deployment region of each STM32 board's nanoCLR build (boards/*.json "flash", sources there); ESP32 boards need none.</summary>
    private static readonly Dictionary<string, string> StmAddresses = new()
    {
        ["stm32f769i-disco"] = "0x080C0000",
    };

    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string Provisioned => Path.Combine(Dir.FullName, "provisioned");

    private string AppDir => Path.Combine(Dir.FullName, "app", "bin", "Release");

    /// <summary>The boards that take the application (the others are refused: see the test for that).</summary>
    public static TheoryData<string> Boards() => new(BoardCatalog.Default.All.Where(b => b.Deployable).Select(b => b.Id));

    private void Provision(string board, string device, params string[] more)
    {
        bool esp = BoardCatalog.Default.Get(board).Platform == "esp32";
        string[] args =
        [
            "provision", "--board", board, "--device-id", device, "--fleet", "lab", "--broker-host", "broker.lab",
            "--db", Db, "--out", Provisioned, "--master-key", ProvisionCliTests.MasterKey, .. esp ? new[] { "--wifi-ssid", "lab-net" } : [], .. more,
        ];
        Assert.True(Run(args) == 0, Out.ToString());
        Out.GetStringBuilder().Clear();
    }

    private int Flash(FakeTools tools, string board, string device, string port, params string[] more) => Cli.Run(
        ["flash", "--board", board, "--port", port, "--device-id", device, "--config-dir", Provisioned, "--app-dir", AppDir, .. more],
        Console,
        Out,
        tools.Environment);

    [Theory]
    [MemberData(nameof(Boards))]
    public void Flashes_every_board_profile_with_its_target_connection_image_and_configuration(string boardId)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        BoardProfile board = BoardCatalog.Default.Get(boardId);
        bool hasDrive = board.Flash.ConfigDrive != null;
        string device = "dev-" + boardId;
        if (hasDrive)
        {
            Provision(boardId, device);
        }

        // Only this board's app is built: an ESP32 image on an STM32 (or the reverse) would not start.
        DeploymentImageTests.WriteAppBuild(AppDir, board.AppProject);
        using var tools = new FakeTools().WithNanoff();
        string port = board.Platform == "esp32" ? "/dev/ttyUSB0" : "/dev/ttyACM0";

        Assert.True(Flash(tools, boardId, device, port) == 0, Out.ToString());

        string folder = Path.Combine(Provisioned, device);
        string image = Path.Combine(folder, "deployment.bin");
        string json = Path.Combine(folder, "filedeployment.json");
        string[] connection = board.Platform == "esp32" ? ["--serialport", port] : ["--jtag"];
        string[] deploy = board.Platform == "esp32"
            ? ["nanoff", "--deploy", "--target", board.NanoffTarget, .. connection, "--image", image]
            : ["nanoff", "--deploy", "--target", board.NanoffTarget, .. connection, "--image", image, "--address", StmAddresses[boardId], "--reset"];
        List<string[]> expected = [["nanoff", "--update", "--target", board.NanoffTarget, .. connection], deploy];
        if (hasDrive)
        {
            expected.Add(["nanoff", "--filedeployment", json]);
        }

        Assert.Equal(expected, tools.Calls);
        Assert.Equal(DeploymentImageTests.ExpectedImage, File.ReadAllBytes(image));
        Assert.Contains($"flashed {device}", Out.ToString());
        if (!hasDrive)
        {
            Assert.Contains("no file system", Out.ToString());
            return;
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(port, doc.RootElement.GetProperty("SerialPort").GetString());
        JsonElement file = Assert.Single(doc.RootElement.GetProperty("Files").EnumerateArray());
        Assert.Equal(board.Flash.ConfigDrive + @"\tinymlops.cfg", file.GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(folder, "tinymlops.cfg"), file.GetProperty("SourceFilePath").GetString());
    }

    [Fact]
    public void The_verb_syntax_runs_nanoff_flash_then_deploy_then_deploy_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string ca = Path.Combine(Dir.FullName, "ca.pem");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Provision("stm32f769i-disco", "disco-1", "--tls", "--ca", ca);
        DeploymentImageTests.WriteAppBuild(AppDir, "TinyMLOps.Firmware.App.Stm32");
        using var tools = new FakeTools().WithNanoff();

        Assert.True(Flash(tools, "stm32f769i-disco", "disco-1", "COM9", "--nanoff-syntax", "verbs") == 0, Out.ToString());

        string folder = Path.Combine(Provisioned, "disco-1");
        Assert.Equal(
            new[]
            {
                new[] { "nanoff", "flash", "--target", "ST_STM32F769I_DISCOVERY", "--jtag" },
                ["nanoff", "deploy", "--target", "ST_STM32F769I_DISCOVERY", "--image", Path.Combine(folder, "deployment.bin"), "--address", "0x080C0000"],
                ["nanoff", "deploy", "--file", Path.Combine(folder, "filedeployment.json"), "--serialport", "COM9"],
            },
            tools.Calls);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "filedeployment.json")));
        Assert.Equal(
            [@"I:\tinymlops.cfg", @"I:\ca.pem"],
            doc.RootElement.GetProperty("Files").EnumerateArray().Select(f => f.GetProperty("DestinationFilePath").GetString()));
    }

    [Fact]
    public void A_dry_run_prints_every_command_runs_nothing_and_says_what_is_missing()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var tools = new FakeTools().WithNanoff();
        Assert.Equal(0, Flash(tools, "esp32-devkitc", "nobody", "COM3", "--dry-run"));

        string output = Out.ToString();
        Assert.Empty(tools.Calls);
        Assert.False(Directory.Exists(Path.Combine(Provisioned, "nobody")));
        Assert.Contains("nanoff --update --target ESP32_REV3 --serialport COM3" + Environment.NewLine, output);
        Assert.Contains($"nanoff --deploy --target ESP32_REV3 --serialport COM3 --image {Path.Combine(Provisioned, "nobody", "deployment.bin")}" + Environment.NewLine, output);
        Assert.Contains($"nanoff --filedeployment {Path.Combine(Provisioned, "nobody", "filedeployment.json")}" + Environment.NewLine, output);
        Assert.Contains("\"DestinationFilePath\": \"I:\\\\tinymlops.cfg\"", output);
        Assert.Contains("# not ready: no app build at", output);
        Assert.Contains("# not ready: no configuration at", output);
        Assert.DoesNotContain("dotnet tool install", output);
    }

    [Fact]
    public void A_dry_run_without_nanoff_shows_the_install_first_and_lists_the_image_parts()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Provision("stm32f769i-disco", "disco-2");
        DeploymentImageTests.WriteAppBuild(AppDir, "TinyMLOps.Firmware.App.Stm32");
        using var tools = new FakeTools().WithDotnet();
        Assert.Equal(0, Flash(tools, "stm32f769i-disco", "disco-2", "COM4", "--dry-run"));

        string output = Out.ToString();
        Assert.Empty(tools.Calls);
        int install = output.IndexOf("dotnet tool install -g nanoff" + Environment.NewLine, StringComparison.Ordinal);
        Assert.True(install >= 0 && install < output.IndexOf("nanoff --update --target ST_STM32F769I_DISCOVERY --jtag", StringComparison.Ordinal), output);
        Assert.Contains("from mscorlib.pe, nanoFramework.Runtime.Events.pe, System.Device.Gpio.pe, TinyMLOps.Shared.pe, TinyMLOps.Firmware.App.Stm32.pe", output);
        Assert.Contains("--address 0x080C0000 --reset", output);
        Assert.DoesNotContain("not ready", output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_board_that_is_not_deployable_is_refused_in_one_line_with_its_reason_and_nothing_runs(bool dryRun)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        DeploymentImageTests.WriteAppBuild(AppDir, "TinyMLOps.Firmware.App.Stm32");
        using var tools = new FakeTools().WithNanoff();
        Assert.Equal(1, Flash(tools, "stm32f429i-disco", "disco-2", "COM4", dryRun ? ["--dry-run"] : []));

        AssertSaysNotDeployable("stm32f429i-disco", "flash"); // the whole output: no dry-run plan, no step
        Assert.Empty(tools.Calls);
        Assert.False(Directory.Exists(Provisioned), "nothing is written");
    }

    [Fact]
    public void Installs_nanoff_with_dotnet_when_it_is_not_on_PATH_and_then_uses_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Provision("esp32-wrover", "cam-9");
        DeploymentImageTests.WriteAppBuild(AppDir);
        using var tools = new FakeTools().WithDotnet();

        Assert.True(Flash(tools, "esp32-wrover", "cam-9", "COM3") == 0, Out.ToString());

        Assert.Equal(["dotnet", "tool", "install", "-g", "nanoff"], tools.Calls[0]);
        Assert.Equal(["nanoff", "--update", "--target", "ESP32_PSRAM_REV3", "--serialport", "COM3"], tools.Calls[1]);
        Assert.Equal(4, tools.Calls.Count);
        Assert.True(File.Exists(Path.Combine(tools.Home, ".dotnet", "tools", "nanoff")));
        Assert.Contains("successfully installed", Out.ToString());
    }

    [Fact]
    public void A_failing_nanoff_stops_the_flash_with_its_message_and_exit_code()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Provision("stm32f769i-disco", "disco-3");
        DeploymentImageTests.WriteAppBuild(AppDir, "TinyMLOps.Firmware.App.Stm32");
        using var tools = new FakeTools().WithNanoff().FailingOn("--deploy");

        Assert.Equal(1, Flash(tools, "stm32f769i-disco", "disco-3", "COM5"));

        string output = Out.ToString();
        Assert.Equal(2, tools.Calls.Count); // update, then the failing deploy; no file deployment
        Assert.Matches(@"deploy\s+the\s+application\s+image\s+to\s+0x080C0000\s+failed", output);
        Assert.Matches(@"exited\s+with\s+5", output);
        Assert.Contains("Couldn't connect to specified JTAG device", output);
        Assert.DoesNotContain("flashed disco-3", output);
    }

    [Fact]
    public void Refuses_before_running_anything_when_the_configuration_is_another_boards_or_missing()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Provision("esp32-devkitc", "cam-7");
        DeploymentImageTests.WriteAppBuild(AppDir);
        using var tools = new FakeTools().WithNanoff();

        Assert.Equal(1, Flash(tools, "esp32-s3", "cam-7", "COM3"));
        Assert.Contains("provisioned for board esp32-devkitc, not esp32-s3", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Flash(tools, "esp32-s3", "cam-8", "COM3"));
        Assert.Contains("no configuration at", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Flash(tools, "esp32-bogus", "cam-7", "COM3"));
        Assert.Contains("unknown board 'esp32-bogus'", Out.ToString());
        Assert.Empty(tools.Calls);
    }

    [Fact]
    public void Flash_ps1_passes_its_parameters_to_options_the_flash_verb_has()
    {
        string? root = TinyMLOps.Modelling.RepositoryFiles.FindDirectory(".", d => File.Exists(Path.Combine(d, "flash.ps1")));
        Assert.NotNull(root);
        string script = File.ReadAllText(Path.Combine(root, "flash.ps1"));
        foreach (string parameter in new[] { "[string]$Board", "[string]$Port", "[string]$DeviceId", "[switch]$DryRun" })
        {
            Assert.Contains(parameter, script);
        }

        Assert.Contains("'flash', '--board', $Board, '--port', $Port, '--device-id', $DeviceId", script);
        Assert.Contains("$arguments += '--dry-run'", script);

        System.CommandLine.Command flash = Cli.Build(Console).Subcommands.Single(c => c.Name == "flash");
        Assert.Equal(
            ["--board", "--port", "--device-id", "--dry-run"],
            new[] { "--board", "--port", "--device-id", "--dry-run" }.Where(o => flash.Options.Any(x => x.Name == o)));
    }
}
