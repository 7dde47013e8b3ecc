using System.Text;
using TinyMLOps.Shared.Provisioning;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Provisioning;

public class ConfigFileTests
{
    private const string KeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    internal static ProvisionedConfig Full() => new()
    {
        DeviceId = "esp-07",
        Fleet = "greenhouse",
        Board = "esp32-devkitc",
        Network = "wifi",
        WifiSsid = "Glasshouse Wi-Fi ✓",
        WifiPassword = "pa=ss word",
        BrokerHost = "broker.example.org",
        BrokerPort = 8883,
        BrokerTls = true,
        MqttUsername = "esp-07",
        MqttPassword = "0123456789abcdef0123456789abcdef",
        ArtifactKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray(),
        StatusLedPin = 2,
        PowerDetectPin = 34,
        BatteryAdcPin = 35,
        HeartbeatSeconds = 120,
        SleepSeconds = 900,
        SyncWindowSeconds = 45,
        Sensor = "adc:36",
    };

    /// <summary>The required keys only, and the checksum line.</summary>
    private static string MinimalBody(string extra = "") =>
        "tinymlops-config=1\ndevice.id=dev-1\nfleet=f1\nboard=esp32-devkitc\nwifi.ssid=net\nmqtt.host=10.0.0.2\nkey.artifact=" + KeyHex + "\n" + extra;

    /// <summary>Appends the crc32 line that makes the body's checksum right.</summary>
    internal static byte[] Seal(string body)
    {
        byte[] head = Encoding.UTF8.GetBytes(body);
        return Seal(head);
    }

    internal static byte[] Seal(byte[] head)
    {
        byte[] tail = Encoding.ASCII.GetBytes("crc32=" + Crc32.Compute(head, 0, head.Length).ToString("x8") + "\n");
        return [.. head, .. tail];
    }

    private static void AssertSame(ProvisionedConfig expected, ProvisionedConfig actual)
    {
        Assert.Equal(expected.DeviceId, actual.DeviceId);
        Assert.Equal(expected.Fleet, actual.Fleet);
        Assert.Equal(expected.Board, actual.Board);
        Assert.Equal(expected.Network, actual.Network);
        Assert.Equal(expected.WifiSsid, actual.WifiSsid);
        Assert.Equal(expected.WifiPassword, actual.WifiPassword);
        Assert.Equal(expected.BrokerHost, actual.BrokerHost);
        Assert.Equal(expected.BrokerPort, actual.BrokerPort);
        Assert.Equal(expected.BrokerTls, actual.BrokerTls);
        Assert.Equal(expected.MqttUsername, actual.MqttUsername);
        Assert.Equal(expected.MqttPassword, actual.MqttPassword);
        Assert.Equal(expected.ArtifactKey, actual.ArtifactKey);
        Assert.Equal(expected.StatusLedPin, actual.StatusLedPin);
        Assert.Equal(expected.PowerDetectPin, actual.PowerDetectPin);
        Assert.Equal(expected.BatteryAdcPin, actual.BatteryAdcPin);
        Assert.Equal(expected.HeartbeatSeconds, actual.HeartbeatSeconds);
        Assert.Equal(expected.SleepSeconds, actual.SleepSeconds);
        Assert.Equal(expected.SyncWindowSeconds, actual.SyncWindowSeconds);
        Assert.Equal(expected.Sensor, actual.Sensor);
    }

    private static string[] ProblemsOf(byte[] file)
    {
        var result = ConfigFile.Parse(file);
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        return result.Problems;
    }

    [Fact]
    public void Round_trips_every_field()
    {
        var config = Full();

        var result = ConfigFile.Parse(ConfigFile.Encode(config));

        Assert.True(result.IsValid, result.Describe());
        Assert.Empty(result.Problems);
        AssertSame(config, result.Config);
    }

    [Fact]
    public void Writes_the_documented_text_layout()
    {
        string text = Encoding.UTF8.GetString(ConfigFile.Encode(Full()));
        string[] lines = text.Split('\n');

        Assert.Equal("tinymlops-config=1", lines[0]);
        Assert.Equal(
            [
                "device.id", "fleet", "board", "network", "wifi.ssid", "wifi.password", "mqtt.host", "mqtt.port", "mqtt.tls",
                "mqtt.username", "mqtt.password", "key.artifact", "pin.status-led", "pin.power-detect", "pin.battery-adc",
                "heartbeat.seconds", "sleep.seconds", "sync-window.seconds", "sensor", "consent", "models.sealed-only", "crc32",
            ],
            lines[1..^1].Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]));
        Assert.Equal(string.Empty, lines[^1]);
        Assert.Contains("wifi.password=pa=ss word\n", text, StringComparison.Ordinal);
        Assert.Contains("mqtt.tls=true\n", text, StringComparison.Ordinal);
        Assert.Contains("pin.battery-adc=35\n", text, StringComparison.Ordinal);
        Assert.Contains("key.artifact=" + Convert.ToHexStringLower(Full().ArtifactKey) + "\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);

        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int crcLine = text.LastIndexOf("crc32=", StringComparison.Ordinal);
        int crcOffset = Encoding.UTF8.GetByteCount(text[..crcLine]);
        Assert.Equal(Crc32.Compute(bytes, 0, crcOffset).ToString("x8"), lines[^2]["crc32=".Length..]);
    }

    [Fact]
    public void A_file_with_only_the_required_keys_gets_the_defaults()
    {
        var result = ConfigFile.Parse(Seal(MinimalBody()));

        Assert.True(result.IsValid, result.Describe());
        var c = result.Config;
        var defaults = new ProvisionedConfig();
        Assert.Equal("dev-1", c.DeviceId);
        Assert.Equal(defaults.Network, c.Network);
        Assert.Equal(1883, c.BrokerPort);
        Assert.False(c.BrokerTls);
        Assert.Equal(string.Empty, c.MqttUsername);
        Assert.Equal(string.Empty, c.WifiPassword);
        Assert.Equal(-1, c.StatusLedPin);
        Assert.Equal(-1, c.PowerDetectPin);
        Assert.Equal(-1, c.BatteryAdcPin);
        Assert.Equal(60, c.HeartbeatSeconds);
        Assert.Equal(0, c.SleepSeconds);
        Assert.Equal(60, c.SyncWindowSeconds);
        Assert.Equal("samples", c.Sensor);
        Assert.Equal(Convert.FromHexString(KeyHex), c.ArtifactKey);
    }

    [Fact]
    public void Comments_blank_lines_unknown_keys_and_crlf_line_ends_are_accepted()
    {
        string body = MinimalBody("# written by hand\n\nfuture.key=whatever=1\n").Replace("\n", "\r\n", StringComparison.Ordinal);

        var result = ConfigFile.Parse(Seal(body));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("net", result.Config.WifiSsid);
    }

    [Fact]
    public void The_line_feed_after_the_checksum_is_optional()
    {
        byte[] file = ConfigFile.Encode(Full());

        Assert.True(ConfigFile.Parse(file[..^1]).IsValid);
    }

    [Fact]
    public void An_ethernet_board_needs_no_wifi_ssid()
    {
        string body = MinimalBody("network=ethernet\n").Replace("wifi.ssid=net\n", string.Empty, StringComparison.Ordinal);

        var result = ConfigFile.Parse(Seal(body));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("ethernet", result.Config.Network);
        Assert.Equal(string.Empty, result.Config.WifiSsid);
    }

    [Fact]
    public void An_empty_file_reports_every_required_key_missing()
    {
        string[] problems = ProblemsOf(Seal("tinymlops-config=1\n"));

        Assert.Equal(
            ["missing device.id", "missing fleet", "missing board", "missing wifi.ssid", "missing mqtt.host", "missing key.artifact"],
            problems);
    }

    [Theory]
    [InlineData("device.id=", "missing device.id")]
    [InlineData("device.id=has space", "device.id \"has space\" is not 1 to 32 of A-Z a-z 0-9 . _ -")]
    [InlineData("device.id=abcdefghijklmnopqrstuvwxyz0123456", "device.id \"abcdefghijklmnopqrstuvwxyz0123456\" is not 1 to 32 of A-Z a-z 0-9 . _ -")]
    [InlineData("fleet=f/1", "fleet \"f/1\" is not 1 to 32 of A-Z a-z 0-9 . _ -")]
    [InlineData("board=", "missing board")]
    [InlineData("network=lora", "network \"lora\" is not wifi or ethernet")]
    [InlineData("wifi.ssid=", "missing wifi.ssid")]
    [InlineData("wifi.ssid=123456789012345678901234567890123", "wifi.ssid is 33 bytes, longer than 32")]
    [InlineData("wifi.password=12345678901234567890123456789012345678901234567890123456789012345", "wifi.password is 65 bytes, longer than 64")]
    [InlineData("mqtt.host=", "missing mqtt.host")]
    [InlineData("mqtt.port=70000", "mqtt.port 70000 is not 1..65535")]
    [InlineData("mqtt.port=0", "mqtt.port 0 is not 1..65535")]
    [InlineData("mqtt.port=99999999999", "mqtt.port 99999999999 is not 1..65535")]
    [InlineData("mqtt.port=18 83", "mqtt.port \"18 83\" is not a number")]
    [InlineData("mqtt.port=", "mqtt.port \"\" is not a number")]
    [InlineData("mqtt.tls=yes", "mqtt.tls \"yes\" is not true or false")]
    [InlineData("models.sealed-only=1", "models.sealed-only \"1\" is not true or false")]
    [InlineData("key.artifact=", "key.artifact is not 64 lower-case hex digits")]
    [InlineData("key.artifact=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "key.artifact is not 64 lower-case hex digits")]
    [InlineData("key.artifact=0001", "key.artifact is not 64 lower-case hex digits")]
    [InlineData("pin.status-led=-2", "pin.status-led -2 is not -1..255")]
    [InlineData("pin.power-detect=256", "pin.power-detect 256 is not -1..255")]
    [InlineData("pin.battery-adc=x", "pin.battery-adc \"x\" is not a number")]
    [InlineData("heartbeat.seconds=0", "heartbeat.seconds 0 is not 1..86400")]
    [InlineData("sleep.seconds=-1", "sleep.seconds -1 is not 0..604800")]
    [InlineData("sync-window.seconds=0", "sync-window.seconds 0 is not 1..86400")]
    [InlineData("sensor=camera", "sensor \"camera\" is not samples or adc:<pin 0..255>")]
    [InlineData("sensor=adc:", "sensor \"adc:\" is not samples or adc:<pin 0..255>")]
    [InlineData("sensor=adc:-1", "sensor \"adc:-1\" is not samples or adc:<pin 0..255>")]
    [InlineData("sensor=adc:300", "sensor \"adc:300\" is not samples or adc:<pin 0..255>")]
    [InlineData("no equals sign", "line 8 is not key=value")]
    [InlineData("=value", "line 8 has no valid key before '='")]
    [InlineData("bad key=value", "line 8 has no valid key before '='")]
    [InlineData("mqtt.host=other", "duplicate key mqtt.host (lines 6 and 8)")]
    [InlineData("tinymlops-config=1", "tinymlops-config on line 8 belongs on the first line only")]
    [InlineData("crc32=00000000", "crc32 on line 8 belongs on the last line only")]
    [InlineData("mqtt.username=tab\there", "mqtt.username on line 8 contains a control character")]
    public void Reports_each_problem_in_a_sentence(string line, string problem)
    {
        // A later line overrides nothing: the key is removed from the minimal body when the line sets it, else added.
        string key = line.Contains('=', StringComparison.Ordinal) ? line[..line.IndexOf('=', StringComparison.Ordinal)] : line;
        string body = MinimalBody();
        string[] required = ["device.id", "fleet", "board", "wifi.ssid", "key.artifact"];
        if (required.Contains(key))
        {
            body = string.Join("\n", body.Split('\n').Where(l => !l.StartsWith(key + "=", StringComparison.Ordinal)));
            body = body.Insert(body.IndexOf('\n', StringComparison.Ordinal) + 1, line + "\n");
        }
        else if (key == "mqtt.host" && line == "mqtt.host=")
        {
            body = body.Replace("mqtt.host=10.0.0.2", line, StringComparison.Ordinal);
        }
        else
        {
            body += line + "\n";
        }

        string[] problems = ProblemsOf(Seal(body));

        Assert.Equal([problem], problems);
    }

    [Fact]
    public void A_value_that_is_not_utf8_is_reported()
    {
        byte[] head = [.. Encoding.UTF8.GetBytes(MinimalBody("mqtt.password=")), 0xC3, 0x28, (byte)'\n'];

        Assert.Equal(["mqtt.password on line 8 is not valid UTF-8"], ProblemsOf(Seal(head)));
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        string body = "tinymlops-config=1\ndevice.id=a b\nmqtt.port=0\nmqtt.tls=maybe\nsensor=x\n";

        string[] problems = ProblemsOf(Seal(body));

        Assert.Equal(
            [
                "mqtt.tls \"maybe\" is not true or false",
                "device.id \"a b\" is not 1 to 32 of A-Z a-z 0-9 . _ -",
                "missing fleet",
                "missing board",
                "missing wifi.ssid",
                "missing mqtt.host",
                "mqtt.port 0 is not 1..65535",
                "missing key.artifact",
                "sensor \"x\" is not samples or adc:<pin 0..255>",
            ],
            problems);
    }

    [Theory]
    [InlineData("tinymlops-config=2", "format 2 is newer than this firmware (1)")]
    [InlineData("tinymlops-config=0", "format 0 is not supported (this firmware reads 1)")]
    [InlineData("tinymlops-config=one", "format \"one\" is not a version number")]
    [InlineData("[wifi]", "the first line is not tinymlops-config=1: this is not a TinyMLOps configuration file")]
    public void A_first_line_of_another_format_is_the_only_problem(string firstLine, string problem)
    {
        string body = firstLine + MinimalBody()["tinymlops-config=1".Length..] + "mqtt.port=nonsense\n";

        Assert.Equal([problem], ProblemsOf(Seal(body)));
    }

    [Fact]
    public void Nothing_and_no_bytes_are_reported_as_an_empty_file()
    {
        Assert.Equal(["the configuration file is empty"], ProblemsOf(null!));
        Assert.Equal(["the configuration file is empty"], ProblemsOf([]));
    }

    [Fact]
    public void A_file_without_its_checksum_line_is_reported_as_truncated()
    {
        string[] problems = ProblemsOf(Encoding.UTF8.GetBytes(MinimalBody()));

        Assert.Equal(["missing crc32 line at the end: the file is truncated"], problems);
    }

    [Fact]
    public void A_checksum_that_is_not_hex_is_reported()
    {
        byte[] file = [.. Encoding.UTF8.GetBytes(MinimalBody()), .. "crc32=XYZ\n"u8];

        Assert.Equal(["crc32 \"XYZ\" is not 8 lower-case hex digits"], ProblemsOf(file));
    }

    [Fact]
    public void Every_corrupt_byte_before_the_checksum_line_is_a_checksum_mismatch()
    {
        byte[] file = ConfigFile.Encode(Full());
        int crcLine = Encoding.UTF8.GetString(file).LastIndexOf("crc32=", StringComparison.Ordinal);
        int firstLineEnd = Array.IndexOf(file, (byte)'\n');

        for (int i = firstLineEnd + 1; i < crcLine; i++)
        {
            foreach (byte flip in new byte[] { 0x01, 0x20, 0x80 })
            {
                byte[] corrupt = (byte[])file.Clone();
                corrupt[i] ^= flip;

                var problems = ProblemsOf(corrupt);
                Assert.Contains("checksum mismatch: file is corrupt", problems);
            }
        }
    }

    [Fact]
    public void Every_single_bit_flip_anywhere_makes_the_file_invalid()
    {
        byte[] file = ConfigFile.Encode(Full());

        for (int i = 0; i < file.Length - 1; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] corrupt = (byte[])file.Clone();
                corrupt[i] ^= (byte)(1 << bit);

                Assert.False(ConfigFile.Parse(corrupt).IsValid, "byte " + i + " bit " + bit);
            }
        }
    }

    [Fact]
    public void Every_truncation_is_invalid()
    {
        byte[] file = ConfigFile.Encode(Full());

        // Cutting only the final line feed leaves a whole file.
        for (int length = 0; length < file.Length - 1; length++)
        {
            var result = ConfigFile.Parse(file[..length]);

            Assert.False(result.IsValid, "prefix of " + length + " bytes");
            Assert.NotEmpty(result.Problems);
        }
    }

    [Fact]
    public void Random_mutations_never_throw_and_a_file_that_parses_re_encodes_to_the_same_configuration()
    {
        var rng = new Random(8);
        byte[][] corpus = [ConfigFile.Encode(Full()), Seal(MinimalBody()), Seal(MinimalBody("network=ethernet\n# note\nx.y=1\n"))];
        int valid = 0;
        for (int n = 0; n < 20_000; n++)
        {
            byte[] input = Mutate(rng, corpus[rng.Next(corpus.Length)]);

            // Half the cases get a fresh checksum, so the mutation reaches the key checks.
            if (rng.Next(2) == 0)
            {
                input = Reseal(input);
            }

            ConfigParseResult result = ConfigFile.Parse(input);

            Assert.NotNull(result.Problems);
            Assert.Equal(result.Problems.Length == 0, result.IsValid);
            Assert.Equal(result.IsValid, result.Config != null);
            Assert.All(result.Problems, p => Assert.False(string.IsNullOrEmpty(p)));
            if (result.IsValid)
            {
                valid++;
                Assert.Empty(ConfigFile.Validate(result.Config!));
                AssertSame(result.Config!, ConfigFile.Parse(ConfigFile.Encode(result.Config!)).Config);
            }
        }

        Assert.InRange(valid, 100, 19_000);
    }

    [Fact]
    public void The_example_in_docs_firmware_md_is_what_Encode_writes()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "TinyMLOps.Firmware.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        string doc = File.ReadAllText(Path.Combine(dir, "docs", "firmware.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        int start = doc.IndexOf("```\ntinymlops-config=1\n", StringComparison.Ordinal) + 4;
        int end = doc.IndexOf("```", start, StringComparison.Ordinal);
        byte[] example = Encoding.UTF8.GetBytes(doc[start..end]);

        var result = ConfigFile.Parse(example);

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal(example, ConfigFile.Encode(result.Config));
    }

    [Fact]
    public void Encode_refuses_a_configuration_that_would_not_parse_and_names_the_problems()
    {
        var config = Full();
        config.DeviceId = string.Empty;
        config.WifiPassword = "line\nbreak";
        config.BrokerPort = 0;

        var e = Assert.Throws<ArgumentException>(() => ConfigFile.Encode(config));

        Assert.Contains("wifi.password contains a line break", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing device.id", e.Message, StringComparison.Ordinal);
        Assert.Contains("mqtt.port 0 is not 1..65535", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_a_key_of_the_wrong_length()
    {
        var config = Full();
        config.ArtifactKey = new byte[16];

        Assert.Equal(["key.artifact is 16 bytes, not 32"], ConfigFile.Validate(config));
    }

    [Theory]
    [InlineData("samples", -1)]
    [InlineData("adc:0", 0)]
    [InlineData("adc:36", 36)]
    [InlineData("adc:x", -2)]
    [InlineData("", -2)]
    [InlineData(null, -2)]
    public void Sensor_adc_pin_reads_the_pin_of_an_adc_sensor(string? sensor, int pin)
    {
        Assert.Equal(pin, ConfigFile.SensorAdcPin(sensor!));
    }

    private static byte[] Reseal(byte[] input)
    {
        string text = Encoding.Latin1.GetString(input);
        int crc = text.LastIndexOf("crc32=", StringComparison.Ordinal);
        return Seal(crc < 0 ? input : input[..crc]);
    }

    private static byte[] Mutate(Random rng, byte[] source)
    {
        var bytes = source.ToList();
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = rng.Next(bytes.Count);
            switch (rng.Next(8))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)rng.Next(256));
                    break;
                case 4:
                    bytes.Insert(at, "=\n#\r-:0123456789abcdef"u8[rng.Next(22)]);
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 6:
                {
                    // Duplicate a line somewhere else.
                    int start = bytes.LastIndexOf((byte)'\n', at) + 1;
                    int end = bytes.IndexOf((byte)'\n', at);
                    end = end < 0 ? bytes.Count : end + 1;
                    var line = bytes.GetRange(start, end - start);
                    bytes.InsertRange(rng.Next(bytes.Count + 1), line);
                    break;
                }

                default:
                {
                    // Replace a value with a digit string (often out of range or a wrong length).
                    int eq = bytes.IndexOf((byte)'=', at);
                    if (eq >= 0)
                    {
                        int end = bytes.IndexOf((byte)'\n', eq);
                        end = end < 0 ? bytes.Count : end;
                        bytes.RemoveRange(eq + 1, end - eq - 1);
                        bytes.InsertRange(eq + 1, Encoding.ASCII.GetBytes(rng.Next(-2, 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    break;
                }
            }
        }

        return [.. bytes];
    }
}
