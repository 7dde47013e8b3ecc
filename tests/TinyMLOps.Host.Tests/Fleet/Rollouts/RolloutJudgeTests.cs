using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Rollouts;

/// <summary>The rollout health verdict for each kind of evidence, and the cohort arithmetic.</summary>
public sealed class RolloutJudgeTests
{
    private static readonly RolloutPolicy Policy = new();

    private static HealthSummary Health(long inferences, long errors, double confidence, double? drift = null, int devices = 3) =>
        new(devices, inferences, errors, confidence, drift);

    public static TheoryData<string, HealthSummary, HealthSummary, int, bool, bool, string> Cases => new()
    {
        { "no data yet", HealthSummary.Empty, Health(5000, 0, 0.8), 0, false, false, "waiting for data: 0 of 200" },
        { "healthy", Health(500, 1, 0.79), Health(5000, 0, 0.8), 0, false, true, "healthy: 500 inferences" },
        { "errors over the absolute limit", Health(100, 10, 0.8), Health(5000, 0, 0.8), 0, true, true, "error rate 9.1 %" },
        { "two errors are not yet evidence", Health(20, 2, 0.8), Health(5000, 0, 0.8), 0, false, false, "waiting for data" },
        { "errors within twice a noisy old variant", Health(1000, 60, 0.8), Health(5000, 200, 0.8), 0, false, true, "healthy" },
        { "errors over twice the old variant", Health(1000, 120, 0.8), Health(5000, 200, 0.8), 0, true, true, "over the limit 7.7 %" },
        { "confidence drop", Health(400, 0, 0.70), Health(5000, 0, 0.80), 0, true, true, "mean confidence 0.700 against 0.800" },
        { "confidence drop without an old baseline is not judged", Health(400, 0, 0.30), HealthSummary.Empty, 0, false, true, "healthy" },
        { "drift rise", Health(400, 0, 0.8, 0.35), Health(5000, 0, 0.8, 0.05), 0, true, true, "drift 0.350 against 0.050" },
        { "a device that could not load it", Health(0, 0, 0), Health(5000, 0, 0.8), 1, true, true, "could not load the new variant" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_verdict_follows_the_policy(string name, HealthSummary candidate, HealthSummary baseline, int loadFailures, bool bad, bool enough, string reason)
    {
        var v = RolloutJudge.Judge(Policy, candidate, baseline, loadFailures);
        Assert.True(bad == v.Bad, $"{name}: {v.Reason}");
        Assert.True(enough == v.Enough, $"{name}: {v.Reason}");
        Assert.Contains(reason, v.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pooled_health_weights_confidence_and_drift_by_inferences()
    {
        var pooled = HealthSummary.Pool(
        [
            ("a", new ModelHealthPayload { VariantId = "v", Inferences = 300, MeanConfidence = 65535, DriftMilli = 100 }),
            ("b", new ModelHealthPayload { VariantId = "v", Inferences = 100, Errors = 4, MeanConfidence = 0 }),
            ("a", new ModelHealthPayload { VariantId = "v", Inferences = 0, Errors = 1 }),
        ]);
        Assert.Equal((2, 400L, 5L), (pooled.Devices, pooled.Inferences, pooled.Errors));
        Assert.Equal(0.75, pooled.MeanConfidence, 6);
        Assert.Equal(0.1, pooled.Drift!.Value, 6);
        Assert.Equal(5.0 / 405, pooled.ErrorRate, 9);
    }

    [Fact]
    public void Stages_are_ascending_percentages_that_end_at_100()
    {
        Assert.Equal([10, 50, 100], RolloutCohort.ParseStages("10, 50%,100"));
        Assert.Equal([100], RolloutCohort.ParseStages("100"));
        foreach (string bad in new[] { "", "50", "50,20,100", "0,100", "10,10,100", "x,100", "10,101" })
        {
            Assert.Throws<ArgumentException>(() => RolloutCohort.ParseStages(bad));
        }

        var r = new RolloutRecord(7, "v", 1, "", 1, null, null, 50, "10,50,100", "{}", RolloutStates.Active, "", default, default);
        Assert.Equal(100, RolloutCohort.NextStage(r));
        Assert.Null(RolloutCohort.NextStage(r with { Percent = 100 }));
    }

    [Fact]
    public void Buckets_are_stable_spread_evenly_and_differ_between_rollouts()
    {
        var ids = Enumerable.Range(0, 4000).Select(i => $"dev-{i}").ToList();
        var buckets = ids.Select(id => RolloutCohort.Bucket(3, id)).ToList();
        Assert.Equal(buckets, ids.Select(id => RolloutCohort.Bucket(3, id)));
        int underTen = buckets.Count(b => b < 10);
        Assert.InRange(underTen, 320, 480); // 10% of 4000, within about 4 standard deviations
        Assert.All(buckets, b => Assert.InRange(b, 0, 99));
        int same = ids.Count(id => RolloutCohort.Bucket(3, id) < 10 && RolloutCohort.Bucket(4, id) < 10);
        Assert.InRange(same, 0, 80); // another rollout samples other devices (about 1% overlap expected)
    }
}
