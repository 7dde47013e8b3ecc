using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

/// <summary>Smoke runs of `bench seal` and `bench signals` on a small budget: they run the device's code and report sane figures (no timing is asserted).</summary>
public sealed class ProtectionBenchmarkTests
{
    [Fact]
    public void The_sealed_load_benchmark_opens_through_the_devices_streaming_reader_and_counts_what_each_load_allocates()
    {
        byte[] model = DriftTestModels.MlpWithProfile;
        var r = SealedLoadBenchmark.Run(model, TestData.Fashion.Test.Take(20), loads: 10, rounds: 2);
        Assert.Equal(10, r.Loads);
        Assert.Equal(model.Length + 68, r.SealedBytes);
        Assert.All(new[] { r.OpenMicroseconds, r.VerifyMicroseconds, r.LoadMicroseconds, r.InferenceMicroseconds, r.SealedLoadAndInferMicroseconds }, v => Assert.True(v > 0));
        Assert.True(r.PlainLoadAllocatedBytes >= model.Length, $"{r.PlainLoadAllocatedBytes}");

        // No second copy of the sealed file: the keystream chunks the cipher returns are the only large extra.
        Assert.InRange(r.SealedLoadAllocatedBytes, r.PlainLoadAllocatedBytes, r.PlainLoadAllocatedBytes + (model.Length * 3 / 2));
    }

    [Fact]
    public void The_signal_benchmark_times_the_devices_signal_code_beside_the_inference()
    {
        var r = QuerySignalBenchmark.Run(DriftTestModels.MlpWithProfile, TestData.Fashion.Test.Take(50), rounds: 2);
        Assert.Equal(50, r.Samples);
        Assert.All(new[] { r.InferenceMicroseconds, r.NoveltyMicroseconds, r.DuplicatesMicroseconds }, v => Assert.True(v > 0));
        Assert.Equal(r.NoveltyMicroseconds + r.DuplicatesMicroseconds + r.ConfidenceMicroseconds, r.SignalsMicroseconds, 9);
        Assert.InRange(r.SignalRamBytes, 1000, 8000);
    }
}
