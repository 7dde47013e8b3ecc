using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Console.Provision;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>Consent in the console: provision --consent, device show and fleet consent.</summary>
public sealed class ConsentCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string OutDir => Path.Combine(Dir.FullName, "provisioned");

    private int Provision(string device, params string[] more) => Run(
    [
        "provision", "--board", "esp32-devkitc", "--device-id", device, "--fleet", "lab", "--broker-host", "broker.lab", "--db", Db, "--out", OutDir,
        "--master-key", ProvisionCliTests.MasterKey, "--wifi-ssid", "lab-net", .. more,
    ]);

    [Fact]
    public void Provision_writes_the_consent_given_or_the_default_and_refuses_a_bad_one()
    {
        Assert.Equal(0, Provision("cam-01", "--consent", "learning:wifi,drift:off"));
        Assert.Contains("consent drift:off,learning:wifi,telemetry:on", Out.ToString());
        var parsed = ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "cam-01", "tinymlops.cfg")));
        Assert.True(parsed.IsValid, parsed.Describe());
        Assert.Equal([UploadConsent.Off, UploadConsent.Wifi, UploadConsent.On], ConfigFile.ConsentOf(parsed.Config));

        Assert.Equal(0, Provision("cam-02"));
        Assert.Equal(UploadConsent.DefaultText, ConfigFile.Parse(File.ReadAllBytes(Path.Combine(OutDir, "cam-02", "tinymlops.cfg"))).Config.Consent);

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Provision("cam-03", "--consent", "drift:sometimes"));
        Assert.Contains("\"sometimes\" is not off, on, wifi, charging or ask", Out.ToString());
        Assert.False(File.Exists(Path.Combine(OutDir, "cam-03", "tinymlops.cfg")));
    }

    [Fact]
    public async Task Device_show_prints_the_consent_per_category_and_fleet_consent_counts_devices_per_setting()
    {
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            var now = DateTimeOffset.UtcNow;
            HelloPayload Hello(int drift, int learning, int telemetry, int granted) =>
                new() { Board = "esp32-s3", ConsentSettings = [drift, learning, telemetry], ConsentGranted = granted };
            var a = Hello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask, 1 << UploadConsent.Telemetry);
            var b = Hello(UploadConsent.On, UploadConsent.Charging, UploadConsent.Ask, 0);
            var old = new HelloPayload { Board = "esp32-s3" };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, now, a.Encode()) { Hello = a },
                new IngestRecord("lab", "cam-02", 1, MessageKind.Hello, 0, now, b.Encode()) { Hello = b },
                new IngestRecord("lab", "cam-03", 1, MessageKind.Hello, 0, now, old.Encode()) { Hello = old },
            ]);
        }

        Assert.Equal(0, Run("device", "show", "cam-01", "--db", Db));
        Assert.Contains("drift off, learning charging, telemetry ask (granted)", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "show", "cam-03", "--db", Db));
        Assert.Contains("not reported", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "consent", "--db", Db));
        string view = Out.ToString();
        Assert.Matches(@"drift\s+1\s+1\s+0\s+0\s+0\s+0", view);
        Assert.Matches(@"learning\s+0\s+0\s+0\s+2\s+0\s+0", view);
        Assert.Matches(@"telemetry\s+0\s+0\s+0\s+0\s+2\s+1", view);
        Assert.Contains("2 devices reported their consent", view);
    }
}
