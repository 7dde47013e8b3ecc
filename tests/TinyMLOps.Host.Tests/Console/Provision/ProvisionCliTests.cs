using TinyMLOps.Console;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Host.Tests.Console.Provision;

/// <summary>`provision` through the real command tree: identity, keys, registration and the configuration file.</summary>
public sealed class ProvisionCliTests : ConsoleTest
{
    internal const string MasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string OutDir => Path.Combine(Dir.FullName, "provisioned");

    private int Provision(string board, string device, params string[] more) => Run(
    [
        "provision", "--board", board, "--device-id", device, "--fleet", "lab", "--broker-host", "broker.lab", "--db", Db, "--out", OutDir, "--master-key", MasterKey,
        .. BoardCatalog.Default.Get(board).Platform == "esp32" ? new[] { "--wifi-ssid", "lab-net", "--wifi-password", "pa=ss word" } : [],
        .. more,
    ]);

    [Fact]
    public async Task Writes_a_configuration_that_parses_with_the_boards_pins_and_the_derived_key_and_registers_the_device()
    {
        Assert.Equal(0, Provision("esp32-devkitc", "cam-01", "--broker-port", "8883"));
        Assert.Contains("provisioned cam-01", Out.ToString());

        ConfigParseResult parsed = ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "cam-01", "tinymlops.cfg")));
        Assert.True(parsed.IsValid, parsed.Describe());
        ProvisionedConfig c = parsed.Config;
        BoardProfile board = BoardCatalog.Default.Get("esp32-devkitc");
        Assert.Equal(("cam-01", "lab", "esp32-devkitc"), (c.DeviceId, c.Fleet, c.Board));
        Assert.Equal((board.Pins.StatusLed, board.Pins.PowerDetect, board.Pins.BatteryAdc), (c.StatusLedPin, c.PowerDetectPin, c.BatteryAdcPin));
        Assert.Equal(DeviceKeys.Parse(MasterKey).For("cam-01"), c.ArtifactKey);
        Assert.Equal(("broker.lab", 8883, false), (c.BrokerHost, c.BrokerPort, c.BrokerTls));
        Assert.Equal(("wifi", "lab-net", "pa=ss word"), (c.Network, c.WifiSsid, c.WifiPassword));
        Assert.Equal("cam-01", c.MqttUsername);
        Assert.Matches("^[0-9a-f]{32}$", c.MqttPassword);
        Assert.False(File.Exists(Path.Combine(OutDir, "cam-01", "ca.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(OutDir, "cam-01", "tinymlops.cfg")));
        }

        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            DeviceRecord device = (await store.GetDeviceAsync("cam-01"))!;
            Assert.Equal(("lab", "esp32-devkitc"), (device.Fleet, device.Board));
            Assert.NotEqual(c.MqttPassword, device.CredentialHash); // only the hash is stored
            Assert.True(DeviceCredentials.Verify(c.MqttPassword, device.CredentialHash!));
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", Db));
        Assert.Contains("cam-01", Out.ToString());
        Assert.Contains("1 devices", Out.ToString());
    }

    [Fact]
    public async Task Refuses_a_registered_device_without_force_and_with_force_rotates_its_secret()
    {
        Assert.Equal(0, Provision("esp32-c3", "cam-02"));
        string path = Path.Combine(OutDir, "cam-02", "tinymlops.cfg");
        string first = ConfigFile.Parse(File.ReadAllBytes(path)).Config.MqttPassword;

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Provision("esp32-c3", "cam-02"));
        Assert.Contains("already registered", Out.ToString());
        Assert.Contains("--force", Out.ToString());
        Assert.Equal(first, ConfigFile.Parse(File.ReadAllBytes(path)).Config.MqttPassword);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Provision("esp32-c3", "cam-02", "--force"));
        Assert.Contains("rotated", Out.ToString());
        string second = ConfigFile.Parse(File.ReadAllBytes(path)).Config.MqttPassword;
        Assert.NotEqual(first, second);
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        string hash = (await store.GetDeviceAsync("cam-02"))!.CredentialHash!;
        Assert.False(DeviceCredentials.Verify(first, hash));
        Assert.True(DeviceCredentials.Verify(second, hash));
    }

    [Fact]
    public async Task A_decommissioned_device_is_provisioned_again_only_with_force_which_reinstates_it()
    {
        Assert.Equal(0, Provision("esp32-c3", "cam-03"));
        Assert.Equal(0, Run("device", "decommission", "cam-03", "--reason", "returned", "--db", Db));

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Provision("esp32-c3", "cam-03"));
        Assert.Contains("device cam-03 was decommissioned on", Flat());
        Assert.Contains("(returned); --force reinstates it with a new MQTT secret", Flat());

        Assert.Equal(0, Provision("esp32-c3", "cam-03", "--force"));
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        var device = (await store.GetDeviceAsync("cam-03"))!;
        Assert.False(device.Decommissioned);
        Assert.NotNull(device.CredentialHash);
    }

    [Fact]
    public void Tls_deploys_the_brokers_ca_and_is_refused_without_one()
    {
        string ca = Path.Combine(Dir.FullName, "broker-ca.pem");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Assert.Equal(0, Provision("esp32-s3", "cam-03", "--tls", "--ca", ca, "--broker-port", "8883"));
        Assert.Equal(File.ReadAllText(ca), File.ReadAllText(Path.Combine(OutDir, "cam-03", "ca.pem")));
        Assert.True(ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "cam-03", "tinymlops.cfg"))).Config.BrokerTls);

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Provision("esp32-s3", "cam-04", "--tls"));
        Assert.Contains("--tls needs --ca", Out.ToString());
    }

    [Fact]
    public void An_stm32_board_connects_over_ethernet_and_an_esp32_needs_wifi()
    {
        Assert.Equal(0, Provision("stm32f769i-disco", "disco-1"));
        Assert.Equal("ethernet", ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "disco-1", "tinymlops.cfg"))).Config.Network);

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("provision", "--board", "esp32-devkitc", "--device-id", "cam-05", "--fleet", "lab", "--broker-host", "b", "--db", Db, "--out", OutDir, "--master-key", MasterKey));
        Assert.Contains("--wifi-ssid", Out.ToString());
        Assert.False(Directory.Exists(Path.Combine(OutDir, "cam-05")));
    }

    [Fact]
    public async Task Refuses_an_unknown_board_a_bad_id_a_board_without_a_file_system_and_a_missing_master_key()
    {
        Assert.Equal(1, Provision("esp32-devkitc", "bad id!"));
        Assert.Contains("device.id", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("provision", "--board", "arduino-uno", "--device-id", "x", "--fleet", "lab", "--broker-host", "b", "--db", Db, "--out", OutDir, "--master-key", MasterKey));
        Assert.Contains("unknown board 'arduino-uno'", Out.ToString());
        Assert.Contains("esp32-devkitc", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Provision("stm32f429i-disco", "disco-2"));
        Assert.Contains("no file system", Out.ToString());

        Out.GetStringBuilder().Clear();
        var noKey = new Dictionary<string, string> { [DeviceKeys.EnvironmentVariable] = string.Empty, ["TinyMLOps__ArtifactMasterKey"] = string.Empty };
        string[] args = ["provision", "--board", "esp32-devkitc", "--device-id", "cam-06", "--fleet", "lab", "--broker-host", "b", "--wifi-ssid", "n", "--db", Db, "--out", OutDir];
        Assert.Equal(1, Cli.Run(args, Console, Out, noKey));
        Assert.Contains("master key", Out.ToString());
        Assert.Contains(DeviceKeys.EnvironmentVariable, Out.ToString());

        Out.GetStringBuilder().Clear();
        var withKey = new Dictionary<string, string> { [DeviceKeys.EnvironmentVariable] = MasterKey };
        Assert.Equal(0, Cli.Run(args, Console, Out, withKey));
        Assert.Equal(DeviceKeys.Parse(MasterKey).For("cam-06"), ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "cam-06", "tinymlops.cfg"))).Config.ArtifactKey);

        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        Assert.Equal(["cam-06"], (await store.ListDevicesAsync()).Select(d => d.DeviceId));
    }

    [Fact]
    public void Refuses_a_board_that_is_not_deployable_with_its_reason_before_writing_anything_or_opening_the_store()
    {
        Assert.Equal(1, Provision("stm32f429i-disco", "disco-1"));
        AssertSaysNotDeployable("stm32f429i-disco", "provision");
        Assert.False(File.Exists(Db), "the store must not be created");
        Assert.False(Directory.Exists(OutDir), "no configuration folder");

        // checked before the master key too: without one the board's reason is still what the user reads
        Out.GetStringBuilder().Clear();
        var noKey = new Dictionary<string, string> { [DeviceKeys.EnvironmentVariable] = string.Empty, ["TinyMLOps__ArtifactMasterKey"] = string.Empty };
        string[] args = ["provision", "--board", "stm32f429i-disco", "--device-id", "disco-1", "--fleet", "lab", "--broker-host", "b", "--db", Db, "--out", OutDir];
        Assert.Equal(1, Cli.Run(args, Console, Out, noKey));
        AssertSaysNotDeployable("stm32f429i-disco", "provision"); // and not the missing master key
        Assert.False(File.Exists(Db));
        Assert.Empty(Dir.GetFileSystemInfos());
    }

    [Fact]
    public async Task The_provisioner_itself_refuses_the_board_and_leaves_the_store_alone()
    {
        string db = Path.Combine(Dir.FullName, "direct.db");
        await using var store = await FleetStoreFactory.OpenAsync(null, db);
        var provisioner = new TinyMLOps.Fleet.Provisioning.Provisioner(store, DeviceKeys.Parse(MasterKey), BoardCatalog.Default);
        var request = new TinyMLOps.Fleet.Provisioning.ProvisionRequest("stm32f429i-disco", "disco-3", "lab", "broker.lab") { OutputDirectory = OutDir };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => provisioner.ProvisionAsync(request));
        Assert.Equal("cannot provision: " + BoardCatalog.Default.Get("stm32f429i-disco").NotDeployable, e.Message);
        Assert.Empty(await store.ListDevicesAsync());
        Assert.False(Directory.Exists(OutDir));
    }
}
