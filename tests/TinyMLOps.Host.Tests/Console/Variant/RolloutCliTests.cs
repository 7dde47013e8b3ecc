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
        Assert.Equal(1, Run(["variant", "rollout", "fc-b", "--stages", "50,20", .. common]));
        Assert.Contains("each is a percentage 1-100, ascending", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["variant", "rollout", "nope", .. common]));
        Assert.Contains("the registry has no variant nope", Out.ToString());
    }
}
