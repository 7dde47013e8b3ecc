using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Rollouts;

namespace TinyMLOps.Host.Tests.Console.Variant;

/// <summary>variant rollout, rollouts, rollback and fleet through the real command tree, on a store seeded with device reports.</summary>
public sealed class RolloutCliTests : ConsoleTest
{
    private async Task<(string Registry, string Db)> SeedAsync()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        TwoVariantFleet.Registry(registry, 0.9, 0.9);
        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using var store = await FleetStoreFactory.OpenAsync(null, db);
        await store.IngestAsync(TwoVariantFleet.LabDevices(4));
        return (registry, db);
    }

    [Fact]
    public async Task A_rollout_is_recorded_listed_shown_and_rolled_back_and_the_fleet_view_says_who_runs_what()
    {
        var (registry, db) = await SeedAsync();
        string[] common = ["--registry", registry, "--db", db];

        Assert.Equal(0, Run(["variant", "rollout", "fc-b", "--fleet", "lab", "--stages", "25,100", "--soak", "30m", .. common]));
        Assert.Contains("rollout 1: fc-b v1 to the plugged role of fleet lab, every board, stages 25,100%, soak 00:30:00", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollouts", .. common]));
        Assert.Contains("fc-b v1", Out.ToString());
        Assert.Contains("25% of 25,100", Out.ToString());
        Assert.Contains("active", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollouts", "1", .. common]));
        Assert.Contains("verdict: waiting for data: 0 of 200 inferences", Out.ToString());

        // A second rollout to the same role and cohort is refused while the first runs.
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "rollout", "fc-a", "--fleet", "lab", .. common]));
        Assert.Contains("rollout 1 (fc-b, active) already targets this role and cohort", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollback", "1", "--reason", "bad field reports", .. common]));
        Assert.Contains("rollout 1: rolling-back (manual: bad field reports)", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "fleet", "--db", db]));
        string fleet = Out.ToString();
        Assert.Equal(4, fleet.Split('\n').Count(l => l.Contains("s3-") && l.Contains("fc-a") && l.Contains("plugged")));
        Assert.Contains("devices per serving variant", fleet);
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "fleet", "--db", db, "--output", "json"]));
        using (var json = System.Text.Json.JsonDocument.Parse(Out.ToString()))
        {
            var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToList();
            Assert.Equal(4, devices.Count(d => d.GetProperty("deviceId").GetString()!.StartsWith("s3-", StringComparison.Ordinal) && d.GetProperty("pluggedVariant").GetString() == "fc-a"));
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "rollout", "fc-b", "--stages", "50,20", .. common]));
        Assert.Contains("each is a percentage 1-100, ascending", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "rollout", "nope", .. common]));
        Assert.Contains("the registry has no variant nope", Out.ToString());
    }

    [Fact]
    public async Task A_tag_cohort_rollout_is_paused_resumed_and_aborted_from_the_console_and_its_state_shows_in_json()
    {
        var (registry, db) = await SeedAsync();
        string[] common = ["--registry", registry, "--db", db];
        Assert.Equal(0, Run(["variant", "rollout", "fc-b", "--fleet", "lab", "--cohort", "outdoor and not beta", "--stages", "100", .. common]));
        Assert.Contains("of fleet lab, every board, tags outdoor and not beta", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "rollout", "fc-a", "--cohort", "outdoor and", .. common]));
        Assert.Contains("expected a tag, a selector, \"not\" or \"(\", found the end at column 12", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "pause", "1", "--reason", "change freeze", .. common]));
        Assert.Contains("rollout 1 (fc-b v1): paused (paused at stage 100%: change freeze)", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollouts", "--output", "json", .. common]));
        using (var doc = System.Text.Json.JsonDocument.Parse(Out.ToString()))
        {
            var rollout = Assert.Single(doc.RootElement.GetProperty("rollouts").EnumerateArray());
            Assert.Equal(("paused", true, "outdoor and not beta"), (rollout.GetProperty("state").GetString(), rollout.GetProperty("paused").GetBoolean(), rollout.GetProperty("cohort").GetString()));
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "resume", "1", .. common]));
        Assert.Contains("rollout 1 (fc-b v1): active (stage 100% (resumed))", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "resume", "1", .. common]) == 0 ? 1 : 0);
        Assert.Equal(0, Run(["variant", "abort", "1", "--reason", "wrong build", .. common]));
        Assert.Contains("aborted (aborted at stage 100%: wrong build)", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "pause", "1", .. common]));
        Assert.Contains("rollout 1 is aborted; only an active rollout can be paused", Flat());
    }
}
