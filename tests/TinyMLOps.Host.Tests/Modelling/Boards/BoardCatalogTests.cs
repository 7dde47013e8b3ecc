using System.Text.Json.Nodes;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Modelling.Boards;

public class BoardCatalogTests
{
    private static readonly (string Id, string Target)[] Required =
    [
        ("esp32-devkitc", "ESP32_REV3"),
        ("esp32-wrover", "ESP32_PSRAM_REV3"),
        ("esp32-s3", "ESP32_S3_QUAD"),
        ("esp32-c3", "ESP32_C3"),
        ("stm32f769i-disco", "ST_STM32F769I_DISCOVERY"),
        ("stm32f429i-disco", "ST_STM32F429I_DISCOVERY"),
    ];

    [Fact]
    public void Every_shipped_profile_loads_and_the_six_required_boards_have_their_nanoff_targets()
    {
        BoardCatalog catalog = BoardCatalog.Default;
        foreach ((string id, string target) in Required)
        {
            BoardProfile b = catalog.Get(id);
            Assert.Equal(target, b.NanoffTarget);
        }

        Assert.All(catalog.All, b =>
        {
            Assert.True(b.AppFlashBytes > 0 && b.AppRamBytes > 0, b.Id);
            Assert.True(b.CyclesPerMacInterpreted > b.CyclesPerMacNative, $"{b.Id}: the interpreter must be slower than native kernels");
            Assert.False(string.IsNullOrWhiteSpace(b.Notes), b.Id);
            Assert.Equal(BoardCatalog.RuntimeKernels.Order(), b.Kernels.Order());
        });
    }

    [Fact]
    public void The_shipped_profiles_carry_the_facts_they_were_derived_from()
    {
        BoardCatalog c = BoardCatalog.Default;
        Assert.Equal(240, c.Get("esp32-devkitc").ClockMhz);
        Assert.Equal(160, c.Get("esp32-c3").ClockMhz);
        Assert.False(c.Get("esp32-c3").HasFpu);
        Assert.Equal(216, c.Get("stm32f769i-disco").ClockMhz);
        Assert.Equal(180, c.Get("stm32f429i-disco").ClockMhz);
        Assert.True(c.Get("esp32-wrover").AppRamBytes > 10 * c.Get("esp32-devkitc").AppRamBytes, "PSRAM gives the WROVER far more heap");
        Assert.Equal((6 * 16) + 13, c.Get("stm32f429i-disco").Pins.StatusLed); // PG13
        Assert.Equal((9 * 16) + 13, c.Get("stm32f769i-disco").Pins.StatusLed); // PJ13
        Assert.Equal(2, c.Get("esp32-devkitc").Pins.StatusLed);
    }

    [Fact]
    public void Board_ids_are_looked_up_case_insensitively_and_an_unknown_id_lists_the_known_ones()
    {
        Assert.Equal("esp32-s3", BoardCatalog.Default.Get("ESP32-S3").Id);
        var e = Assert.Throws<KeyNotFoundException>(() => BoardCatalog.Default.Get("arduino-uno"));
        Assert.Contains("esp32-devkitc", e.Message);
    }

    [Fact]
    public void The_profiles_are_copied_next_to_the_test_binaries()
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "boards");
        Assert.True(File.Exists(Path.Combine(copied, "esp32-devkitc.json")), copied);
        Assert.Equal(BoardCatalog.Default.All.Count, BoardCatalog.Load(copied).All.Count);
    }

    [Theory]
    [InlineData("appRamBytes", null, "missing")]
    [InlineData("appFlashBytes", -1, "negative")]
    [InlineData("clockMhz", 0, "positive")]
    [InlineData("platform", "arduino", "unknown platform")]
    [InlineData("kernels", "LSTM", "unknown kernel")]
    [InlineData("hasFpu", "yes", "expected true or false")]
    public void A_malformed_profile_is_rejected_naming_the_file_and_the_field(string field, object? value, string problem)
    {
        JsonObject json = ValidProfile("my-board");
        if (value is null)
        {
            json.Remove(field);
        }
        else if (field == "kernels")
        {
            json[field] = new JsonArray("FullyConnected", (string)value);
        }
        else
        {
            json[field] = JsonValue.Create(value);
        }

        var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json.ToJsonString(), "my-board.json"));
        Assert.Equal("my-board.json", e.File);
        Assert.Equal(field, e.Field);
        Assert.Contains("my-board.json", e.Message);
        Assert.Contains(field, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("derived: factor x plain C cycles", true)]
    [InlineData("estimate: IL ops x cycles", true)]
    [InlineData("measured on a board", false)]
    public void Estimated_coefficients_say_whether_they_are_estimated_or_derived(string source, bool accepted)
    {
        JsonObject json = ValidProfile("my-board");
        json["coefficientSource"] = source;

        if (accepted)
        {
            Assert.Equal(source, BoardCatalog.Parse(json.ToJsonString(), "my-board.json").CoefficientSource);
        }
        else
        {
            Assert.Equal("coefficientSource", Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json.ToJsonString(), "my-board.json")).Field);
        }
    }

    [Fact]
    public void A_missing_pin_is_named_with_its_path()
    {
        JsonObject json = ValidProfile("my-board");
        json["pins"]!.AsObject().Remove("powerDetect");
        var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json.ToJsonString(), "my-board.json"));
        Assert.Equal("pins.powerDetect", e.Field);
    }

    [Fact]
    public void Broken_JSON_is_rejected_naming_the_file()
    {
        var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse("{ \"id\": ", "x.json"));
        Assert.Equal("x.json", e.File);
        Assert.Equal("(document)", e.Field);
    }

    [Fact]
    public void Two_files_with_the_same_id_are_rejected_naming_the_second_file_and_the_id_field()
    {
        string dir = Directory.CreateTempSubdirectory("boards-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a-board.json"), ValidProfile("a-board").ToJsonString());
            File.WriteAllText(Path.Combine(dir, "b-board.json"), ValidProfile("a-board").ToJsonString());

            var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Load(dir));
            Assert.Equal("b-board.json", e.File);
            Assert.Equal("id", e.Field);
            Assert.Contains("duplicate id 'a-board'", e.Message);
            Assert.Contains("a-board.json", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_valid_profile_round_trips_every_field()
    {
        BoardProfile b = BoardCatalog.Parse(ValidProfile("my-board").ToJsonString(), "my-board.json");
        Assert.Equal("my-board", b.Id);
        Assert.Equal("esp32", b.Platform);
        Assert.Equal(new BoardPins(2, 34, -1), b.Pins);
        Assert.Equal(45_056, b.AppRamBytes);
        Assert.Equal(3_300, b.CyclesPerMacInterpreted);
        Assert.True(b.CoefficientsAreEstimates);
        Assert.Equal("n", b.Notes);
        Assert.Equal(new BoardFlash(FlashInterface.Serial, null, "I:", "s"), b.Flash);
    }

    [Fact]
    public void Every_board_says_how_nanoff_flashes_it()
    {
        BoardCatalog c = BoardCatalog.Default;
        Assert.All(c.All.Where(b => b.Platform == "esp32"), b =>
        {
            Assert.Equal(FlashInterface.Serial, b.Flash.Interface);
            Assert.Null(b.Flash.DeploymentAddress); // nanoff finds the deploy partition
            Assert.Equal("I:", b.Flash.ConfigDrive);
        });
        Assert.All(c.All, b => Assert.False(string.IsNullOrWhiteSpace(b.Flash.Source), b.Id));
        Assert.Equal(new BoardFlash(FlashInterface.Jtag, "0x080C0000", "I:", c.Get("stm32f769i-disco").Flash.Source), c.Get("stm32f769i-disco").Flash);
        Assert.Equal(new BoardFlash(FlashInterface.Jtag, "0x080A0000", null, c.Get("stm32f429i-disco").Flash.Source), c.Get("stm32f429i-disco").Flash);
    }

    [Theory]
    [InlineData("interface", "usb", "esp32", "flash.interface", "unknown interface 'usb'")]
    [InlineData("interface", "jtag", "esp32", "flash.interface", "serial port")]
    [InlineData("deploymentAddress", "80C0000", "stm32", "flash.deploymentAddress", "hexadecimal address")]
    [InlineData("deploymentAddress", null, "stm32", "flash.deploymentAddress", "needs the address of its deployment region")]
    [InlineData("configDrive", "flash", "esp32", "flash.configDrive", "drive such as I:")]
    public void A_flash_section_nanoff_cannot_act_on_is_rejected_naming_the_field(string field, string? value, string platform, string path, string problem)
    {
        JsonObject json = ValidProfile("my-board");
        json["platform"] = platform;
        JsonObject flash = json["flash"]!.AsObject();
        flash["interface"] = platform == "esp32" ? "serial" : "jtag";
        flash[field] = value;

        var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json.ToJsonString(), "my-board.json"));
        Assert.Equal(path, e.Field);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void The_F429_is_the_one_shipped_board_that_is_not_deployable_and_says_why()
    {
        BoardProfile f429 = BoardCatalog.Default.Get("stm32f429i-disco");
        Assert.False(f429.Deployable);
        foreach (string part in new[] { "System.Net", "System.IO.FileSystem", "nanoFramework.System.Security.Cryptography", "TinyMLOps.Firmware.App.Stm32", "no file system", "meter", "outbox" })
        {
            Assert.Contains(part, f429.NotDeployableReason);
        }

        Assert.StartsWith("stm32f429i-disco is not deployable: nanoFramework's ST_STM32F429I_DISCOVERY firmware", f429.NotDeployable);
        Assert.All(BoardCatalog.Default.All.Where(b => b.Id != f429.Id), b =>
        {
            Assert.True(b.Deployable, b.Id);
            Assert.Null(b.NotDeployableReason);
            Assert.Null(b.NotDeployable);
        });
    }

    [Fact]
    public void Deployable_is_optional_and_defaults_to_true_and_false_takes_the_reason()
    {
        BoardProfile plain = BoardCatalog.Parse(ValidProfile("my-board").ToJsonString(), "my-board.json");
        Assert.True(plain.Deployable);
        Assert.Null(plain.NotDeployableReason);

        JsonObject json = ValidProfile("my-board");
        json["deployable"] = false;
        json["notDeployableReason"] = "its firmware lacks System.Net.";
        BoardProfile off = BoardCatalog.Parse(json.ToJsonString(), "my-board.json");
        Assert.False(off.Deployable);
        Assert.Equal("its firmware lacks System.Net.", off.NotDeployableReason);
        Assert.Equal("my-board is not deployable: its firmware lacks System.Net.", off.NotDeployable);

        json["deployable"] = true;
        json.Remove("notDeployableReason");
        Assert.True(BoardCatalog.Parse(json.ToJsonString(), "my-board.json").Deployable);
    }

    [Theory]
    [InlineData(false, null, "notDeployableReason", "must say why")]
    [InlineData(false, "  ", "notDeployableReason", "must not be empty")]
    [InlineData(true, "lacks System.Net", "notDeployableReason", "only a board with \"deployable\": false takes a reason")]
    [InlineData(null, "lacks System.Net", "notDeployableReason", "only a board with \"deployable\": false takes a reason")]
    [InlineData("no", null, "deployable", "expected true or false")]
    public void A_deployability_that_does_not_add_up_is_rejected_naming_the_field(object? deployable, string? reason, string field, string problem)
    {
        JsonObject json = ValidProfile("my-board");
        if (deployable != null)
        {
            json["deployable"] = JsonValue.Create(deployable);
        }

        if (reason != null)
        {
            json["notDeployableReason"] = reason;
        }

        var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json.ToJsonString(), "my-board.json"));
        Assert.Equal("my-board.json", e.File);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_folder_with_a_non_deployable_profile_without_its_reason_does_not_load()
    {
        string dir = Directory.CreateTempSubdirectory("boards-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a-board.json"), ValidProfile("a-board").ToJsonString());
            JsonObject bad = ValidProfile("b-board");
            bad["deployable"] = false;
            File.WriteAllText(Path.Combine(dir, "b-board.json"), bad.ToJsonString());
            var e = Assert.Throws<BoardProfileException>(() => BoardCatalog.Load(dir));
            Assert.Equal(("b-board.json", "notDeployableReason"), (e.File, e.Field));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static JsonObject ValidProfile(string id) => new()
    {
        ["id"] = id,
        ["name"] = "Test board",
        ["nanoffTarget"] = "ESP32_REV3",
        ["platform"] = "esp32",
        ["clockMhz"] = 240,
        ["hasFpu"] = true,
        ["appFlashBytes"] = 196_608,
        ["appRamBytes"] = 45_056,
        ["kernels"] = new JsonArray(BoardCatalog.RuntimeKernels.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
        ["pins"] = new JsonObject { ["statusLed"] = 2, ["powerDetect"] = 34, ["batteryAdc"] = -1 },
        ["flash"] = new JsonObject { ["interface"] = "serial", ["deploymentAddress"] = null, ["configDrive"] = "I:", ["source"] = "s" },
        ["cyclesPerMacInterpreted"] = 3_300,
        ["cyclesPerMacNative"] = 4,
        ["cyclesPerOperatorOverhead"] = 30_000,
        ["activePowerMilliwatts"] = 224.4,
        ["coefficientSource"] = "estimate: test",
        ["coefficientsAreEstimates"] = true,
        ["notes"] = "n",
    };
}
