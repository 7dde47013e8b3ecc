using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Host.Tests.Fleet.Telemetry;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Rendering;

/// <summary>
/// Strings a device controls (its id, board, firmware, model, variant ids, telemetry, reject topics and details) carry Spectre
/// markup and terminal escape sequences: every view prints them as visible text, never as markup or control codes.
/// </summary>
public sealed class DeviceTextCliTests : ConsoleTest
{
    // Markup, an OSC title change ended by BEL, a screen clear, a carriage return and a one-byte C1 CSI.
    private const string Hostile = "x[boom][/]\u001b]0;owned\u0007\u001b[2J\r\u009b";

    private const string Evil = "cam" + Hostile;

    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string Registry => Path.Combine(Dir.FullName, "registry");

    [Fact]
    public void The_sanitizer_shows_control_characters_and_escapes_markup()
    {
        Assert.Equal(@"x[boom][/]\x1b]0;owned\x07\x1b[2J\x0d\x9b", TerminalText.Plain(Hostile));
        Assert.Equal(@"x[[boom]][[/]]\x1b]]0;owned\x07\x1b[[2J\x0d\x9b", TerminalText.Markup(Hostile));
        Assert.Equal(@"a\u202eb", TerminalText.Plain("a\u202eb"));
        Assert.Equal("plain ünïcode ✓", TerminalText.Plain("plain ünïcode ✓"));
    }

    [Fact]
    public async Task Every_fleet_view_prints_hostile_device_text_as_visible_text()
    {
        await SeedAsync();
        string[][] views =
        [
            ["status", "--db", Db],
            ["fleet", "ls", "--db", Db],
            ["device", "show", Evil, "--db", Db],
            ["fleet", "telemetry", "--db", Db, "--registry", Path.Combine(Dir.FullName, "none")],
            ["fleet", "consent", "--db", Db],
            ["meter", "suspects", "--db", Db, "--all"],
            ["drift", "report", "--fleet", "lab", "--registry", Registry, "--db", Db],
            ["drift", "report", "--device", Evil, "--registry", Registry, "--db", Db],
            ["variant", "fleet", "--db", Db],
            ["live", "--db", Db, "--seconds", "1"],
        ];
        foreach (string[] view in views)
        {
            Out.GetStringBuilder().Clear();
            int code = Run(view);
            string output = Out.ToString();
            string name = string.Join(' ', view.Take(2));
            Assert.True(code == 0, $"{name} exited {code}: {output}");
            Assert.DoesNotContain(output, c => c is (< ' ' and not '\n') or (>= '\u007f' and <= '\u009f'));
            // fleet consent counts settings (numbers on the wire): no device string to show.
            Assert.True(name == "fleet consent" || (output.Contains(@"\x1b", StringComparison.Ordinal) && output.Contains("[boom]", StringComparison.Ordinal)), $"{name} does not show the device text: {output}");
            Assert.DoesNotContain("Exception", output);
        }
    }

    private async Task SeedAsync()
    {
        byte[] file = DriftTestModels.MlpWithProfile;
        var summary = ModelSummary.Of(file);
        var registry = VariantRegistry.Open(Registry);
        registry.Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), file);

        var now = DateTimeOffset.UtcNow;
        var hello = new HelloPayload { Board = "b" + Hostile, FirmwareVersion = "f" + Hostile, ModelId = "m" + Hostile, ConsentSettings = [1, 1, 1] };
        var heartbeat = new HeartbeatPayload { PowerSource = 2, Inferences = 10, Telemetry = [TelemetrySamples.Variant("v" + Hostile, 10, 40_000)] };
        var change = new VariantSwitchPayload { PluggedVariantId = "p" + Hostile, BatteryVariantId = "b" + Hostile };
        var records = new List<IngestRecord>
        {
            new("lab", Evil, 1, MessageKind.Hello, 0, DriftSeed.At.AddHours(-1), hello.Encode()) { Hello = hello },
            new("lab", Evil, 2, MessageKind.Heartbeat, 0, DriftSeed.At.AddHours(-1), heartbeat.Encode()) { Heartbeat = heartbeat },
            new("lab", Evil, 3, MessageKind.VariantSwitch, 0, DriftSeed.At.AddHours(-1), change.Encode()),
        };
        records.AddRange(DriftSeed.Windows(1, firstSequence: 3).Select(r => r with { DeviceId = Evil }));

        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        await store.IngestAsync(records);
        Assert.Equal(4, await new DriftIngest(store, DriftProfiles.FromRegistry(registry)).CatchUpAsync());
        await store.RecordRejectAsync(new RejectRecord(now, "tinymlops/lab/" + Evil + "/up", Evil, 1, "detail" + Hostile, 12));
        await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord(
            Evil, SuspectStates.Flagged, 3, "reason" + Hostile, "m" + Hostile, 28_900, 7_230, 7_080, 452, 0.033, 0.502, 0.479, true, now, now, null, "note" + Hostile));
    }
}
