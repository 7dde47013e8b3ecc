using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Telemetry;
using TinyMLOps.Firmware.Tests.Learning;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.Telemetry;

/// <summary>The per-variant stats collector behind the heartbeat's telemetry section.</summary>
public sealed class OpsTelemetryTests
{
    [Fact]
    public void Counts_latency_sum_max_and_histogram_per_variant_as_totals()
    {
        var telemetry = new OpsTelemetry(new FakeClock());
        long[] latencies = [150, 900, 900, 1_200, 40_000];
        foreach (long l in latencies)
        {
            telemetry.Record("cnn-w1.0", l, 12_000, 15_000, 0);
        }

        telemetry.Record("mlp-small", 80, 2_000, 2_500, 0);

        var stats = telemetry.Find("cnn-w1.0")!;
        Assert.Equal(2, telemetry.Count);
        Assert.Equal(5u, stats.Inferences);
        Assert.Equal(latencies.Sum(), stats.LatencySumMicros);
        Assert.Equal(40_000u, stats.LatencyMaxMicros);
        Assert.Equal(2u, stats.Bucket(VariantTelemetry.BucketOf(900)));
        Assert.Equal(1u, stats.Bucket(VariantTelemetry.BucketOf(40_000)));
        Assert.Equal(5u, (uint)Enumerable.Range(0, VariantTelemetry.LatencyBuckets).Sum(b => stats.Bucket(b)));
        Assert.Equal(12_000, stats.ArenaBytes);
        Assert.Equal(15_000, stats.WorkingBytes);
        Assert.Equal(1u, telemetry.Find("mlp-small")!.Inferences);

        // The wire records decode back to the same totals.
        var heartbeat = new HeartbeatPayload { Telemetry = telemetry.ToWire() };
        var sent = HeartbeatPayload.Decode(heartbeat.Encode()).Telemetry!;
        Assert.Equal(["cnn-w1.0", "mlp-small"], sent.Select(t => t.VariantId));
        Assert.Equal(5u, sent[0].Inferences);
        Assert.Equal(latencies.Sum(), sent[0].LatencySumMicros);
        Assert.Equal(VariantTelemetry.UnknownHeap, sent[0].MinFreeHeapBytes);
        Assert.Equal(VariantTelemetry.NotMetered, sent[0].EnergyMicrojoules);
    }

    [Fact]
    public void A_fifth_variant_evicts_the_one_that_ran_least_recently()
    {
        var telemetry = new OpsTelemetry(new FakeClock());
        foreach (string v in new[] { "a", "b", "c", "d" })
        {
            telemetry.Record(v, 100, 10, 10, 0);
        }

        telemetry.Record("a", 100, 10, 10, 0); // "b" is now the oldest
        telemetry.Record("e", 100, 10, 10, 0);

        Assert.Equal(VariantTelemetry.MaxVariants, telemetry.Count);
        Assert.Null(telemetry.Find("b"));
        Assert.Equal(2u, telemetry.Find("a")!.Inferences);
        Assert.NotNull(telemetry.Find("e"));
        Assert.Equal(1, telemetry.Evictions);
        Assert.Equal(["a", "e", "c", "d"], telemetry.ToWire().Select(t => t.VariantId));
    }

    [Fact]
    public void Begin_and_end_time_with_the_timer_and_meter_or_fall_back_to_the_clock_in_milliseconds()
    {
        var clock = new FakeClock();
        var telemetry = new OpsTelemetry(clock);
        var classifier = new TinyMLOps.Shared.Runtime.Classifier(Models.TestModels.Build("v1", 1));

        telemetry.Begin();
        clock.Advance(7);
        telemetry.End("v1", classifier);
        Assert.Equal(7_000, telemetry.Find("v1")!.LatencySumMicros);

        var timer = new StepTimer(1_234);
        var meter = new StepMeter(55);
        var timed = new OpsTelemetry(clock, VariantTelemetry.MaxVariants, timer, meter, null);
        timed.Begin();
        clock.Advance(7);
        meter.Consume();
        timed.End("v1", classifier);
        var stats = timed.Find("v1")!;
        Assert.Equal(1u, stats.Inferences);
        Assert.Equal(1_234, stats.LatencySumMicros);
        Assert.Equal(1_234u, stats.LatencyMaxMicros);
        Assert.Equal(55, stats.EnergyMicrojoules);
        Assert.Equal(classifier.ArenaBytes, stats.ArenaBytes);
        Assert.Equal(classifier.WorkingBytes, stats.WorkingBytes);
        Assert.Equal(1, timer.Starts);

        // An End without a Begin records nothing.
        timed.End("v1", classifier);
        Assert.Equal(1u, stats.Inferences);
    }

    [Fact]
    public void A_model_without_a_variant_id_is_reported_under_its_model_id()
    {
        var clock = new FakeClock();
        var telemetry = new OpsTelemetry(clock);
        var classifier = new TinyMLOps.Shared.Runtime.Classifier(TinyMLOps.Tests.Common.BrightestModel.Build("", 100, ["l", "m", "r"]));

        telemetry.Begin();
        telemetry.End("", classifier);

        Assert.Equal("brightest", Assert.Single(telemetry.ToWire()).VariantId);
    }

    [Fact]
    public void The_lowest_free_heap_is_sampled_every_n_inferences_and_at_each_heartbeat()
    {
        var memory = new FakeMemory(100_000);
        var telemetry = new OpsTelemetry(new FakeClock(), VariantTelemetry.MaxVariants, null, null, memory) { HeapSampleEvery = 4 };
        telemetry.Record("v", 100, 10, 10, 0); // first inference: sampled
        memory.FreeHeapBytes = 60_000;
        telemetry.Record("v", 100, 10, 10, 0); // 2nd..4th: not sampled
        Assert.Equal(100_000, telemetry.Find("v")!.MinFreeHeapBytes);
        memory.FreeHeapBytes = 80_000;
        telemetry.Record("v", 100, 10, 10, 0);
        telemetry.Record("v", 100, 10, 10, 0);
        telemetry.Record("v", 100, 10, 10, 0); // 5th: sampled
        Assert.Equal(80_000, telemetry.Find("v")!.MinFreeHeapBytes);

        memory.FreeHeapBytes = 50_000;
        telemetry.Record("w", 100, 10, 10, 0);
        memory.FreeHeapBytes = 40_000;
        telemetry.SampleHeap(); // goes to "w", which ran last
        Assert.Equal(40_000, telemetry.Find("w")!.MinFreeHeapBytes);
        Assert.Equal(80_000, telemetry.Find("v")!.MinFreeHeapBytes);

        memory.FreeHeapBytes = -1; // unknown samples change nothing
        telemetry.SampleHeap();
        Assert.Equal(40_000u, telemetry.ToWire()[1].MinFreeHeapBytes);
    }

    [Fact]
    public void Negative_and_huge_latencies_are_clamped_and_the_wire_stays_consistent()
    {
        var telemetry = new OpsTelemetry(new FakeClock());
        telemetry.Record("v", -5, 10, 10, 0);
        telemetry.Record("v", 1L << 40, 10, 10, 0);
        var stats = telemetry.Find("v")!;
        Assert.Equal(uint.MaxValue, stats.LatencyMaxMicros);
        Assert.Equal(1u, stats.Bucket(0));
        Assert.Equal(1u, stats.Bucket(VariantTelemetry.LatencyBuckets - 1));
        var decoded = HeartbeatPayload.Decode(new HeartbeatPayload { Telemetry = telemetry.ToWire() }.Encode());
        Assert.Equal((long)uint.MaxValue, decoded.Telemetry![0].LatencySumMicros);
    }

    private sealed class StepTimer(long micros) : IInferenceTimer
    {
        public int Starts { get; private set; }

        public void Start() => Starts++;

        public long ElapsedMicros() => micros;
    }

    private sealed class StepMeter(long perInference) : IEnergyMeter
    {
        public long TotalMicrojoules { get; private set; } = 1_000_000;

        public void Consume() => TotalMicrojoules += perInference;
    }
}
