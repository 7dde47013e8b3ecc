using System.Text;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Tests.App;

public class StartupCheckTests
{
    private static MemoryStorage StorageWith(byte[] config)
    {
        var storage = new MemoryStorage();
        storage.WriteAll(ProvisionedConfig.FileName, config);
        return storage;
    }

    [Fact]
    public void Without_a_configuration_it_reports_the_missing_file_and_picks_the_no_configuration_code()
    {
        var log = new ListLog();

        var result = StartupCheck.Run(new MemoryStorage(), "0.4.0");
        result.Report(log);

        Assert.False(result.Ok);
        Assert.Equal(BlinkCode.NoConfiguration, result.Code);
        Assert.Equal(-1, result.StatusLedPin);
        Assert.Null(result.Config);
        Assert.Null(result.DeviceConfig);
        string problem = Assert.Single(result.Problems);
        Assert.Contains("tinymlops.cfg is missing", problem, StringComparison.Ordinal);
        Assert.Equal(
            ["error: cannot start: no configuration (the status LED blinks 2 times)", "error: configuration: " + problem],
            log.Lines);
    }

    [Fact]
    public void An_invalid_configuration_reports_every_problem_and_blinks_on_the_led_it_names()
    {
        string body = "tinymlops-config=1\ndevice.id=dev-1\nboard=esp32-devkitc\nmqtt.port=70000\npin.status-led=2\n";
        var log = new ListLog();

        var result = StartupCheck.Run(StorageWith(Seal(body)), "0.4.0");
        result.Report(log);

        Assert.Equal(BlinkCode.InvalidConfiguration, result.Code);
        Assert.Equal(2, result.StatusLedPin);
        Assert.Equal(["missing fleet", "missing wifi.ssid", "missing mqtt.host", "mqtt.port 70000 is not 1..65535", "missing key.artifact"], result.Problems);
        Assert.Equal(1 + result.Problems.Length, log.Lines.Count);
        Assert.All(result.Problems, p => Assert.Contains("error: configuration: " + p, log.Lines));
        Assert.Contains("error: cannot start: invalid configuration (the status LED blinks 3 times)", log.Lines);
    }

    [Fact]
    public void A_corrupt_configuration_is_an_invalid_one()
    {
        byte[] file = ConfigFile.Encode(ConfigMappingTests.Config());
        file[30] ^= 0x04;

        var result = StartupCheck.Run(StorageWith(file), "0.4.0");

        Assert.Equal(BlinkCode.InvalidConfiguration, result.Code);
        Assert.Contains("checksum mismatch: file is corrupt", result.Problems);
    }

    [Fact]
    public void Tls_without_the_ca_certificate_is_an_invalid_configuration()
    {
        var config = ConfigMappingTests.Config();
        config.BrokerTls = true;
        config.BrokerPort = 8883;
        var storage = StorageWith(ConfigFile.Encode(config));

        var without = StartupCheck.Run(storage, "0.4.0");
        storage.WriteAll(ProvisionedConfig.CaFileName, Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\n"));
        var with = StartupCheck.Run(storage, "0.4.0");

        Assert.Equal(BlinkCode.InvalidConfiguration, without.Code);
        Assert.Equal(["mqtt.tls is true but ca.pem (the broker's CA certificate) is missing from the device storage"], without.Problems);
        Assert.True(with.Ok);
    }

    [Fact]
    public void A_valid_configuration_starts_with_its_device_config_and_warns_about_a_missing_sample_file()
    {
        var config = ConfigMappingTests.Config();
        var storage = StorageWith(ConfigFile.Encode(config));
        var log = new ListLog();

        var result = StartupCheck.Run(storage, "0.4.0");
        result.Report(log);

        Assert.True(result.Ok);
        Assert.Equal(BlinkCode.None, result.Code);
        Assert.Empty(result.Problems);
        Assert.Equal("dev-1", result.Config.DeviceId);
        Assert.Equal("dev-1", result.DeviceConfig.DeviceId);
        Assert.Equal(config.ArtifactKey, result.DeviceConfig.ArtifactKey);
        Assert.Equal(2, result.StatusLedPin);
        Assert.Equal(["sensor samples: samples.bin is missing, so the device classifies nothing until it is deployed"], result.Warnings);
        Assert.Equal("info: configuration: device dev-1 of fleet lab on board esp32-devkitc, broker broker.local:1883", log.Lines[0]);
        Assert.StartsWith("warn: sensor samples", log.Lines[1], StringComparison.Ordinal);

        storage.WriteAll(StartupCheck.SamplesFile, new byte[9]);
        Assert.Empty(StartupCheck.Run(storage, "0.4.0").Warnings);
    }

    [Fact]
    public void Storage_that_cannot_be_read_is_no_configuration_not_a_crash()
    {
        var result = StartupCheck.Run(new BrokenStorage(), "0.4.0");

        Assert.Equal(BlinkCode.NoConfiguration, result.Code);
        Assert.Contains("could not be read (no drive I:)", Assert.Single(result.Problems), StringComparison.Ordinal);
    }

    private static byte[] Seal(string body)
    {
        byte[] head = Encoding.UTF8.GetBytes(body);
        string crc = TinyMLOps.Shared.Util.Crc32.Compute(head, 0, head.Length).ToString("x8");
        return [.. head, .. Encoding.ASCII.GetBytes("crc32=" + crc + "\n")];
    }

    private sealed class BrokenStorage : IStorage
    {
        public bool Exists(string name) => throw new IOException("no drive I:");

        public int Length(string name) => throw new IOException("no drive I:");

        public byte[] ReadAll(string name) => throw new IOException("no drive I:");

        public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count) => throw new IOException("no drive I:");

        public void Append(string name, byte[] data, int offset, int count) => throw new IOException("no drive I:");

        public void WriteAll(string name, byte[] data) => throw new IOException("no drive I:");

        public void Truncate(string name, int length) => throw new IOException("no drive I:");

        public void Delete(string name) => throw new IOException("no drive I:");

        public void Rename(string from, string to) => throw new IOException("no drive I:");
    }
}
