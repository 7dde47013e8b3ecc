using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

/// <summary>
/// The issue's goals on real Fashion-MNIST in a virtual fleet (the boards' drift monitor in simulated time, the host's
/// scorer on every window as it arrives): after a clean simulated half day, 20% of devices get a covariate shift and a
/// few a label shift; at least 95% of them are flagged within three windows and at most 1% of the clean ones over
/// the same period, with and without the default upload noise. `bench drift` runs the same at fleet scale.
/// </summary>
public sealed class DriftEvaluationTests
{
    private static DriftBenchmarkReport Run(double epsilon) => DriftBenchmark.Run(
        DriftTestModels.MlpWithProfile,
        TestData.Fashion.Test,
        new DriftBenchmarkOptions { Devices = 100, WindowsBefore = 12, WindowsAfter = 3, Epsilon = epsilon, Seed = 6 });

    [Theory]
    [InlineData(0)]
    [InlineData(DriftOptions.DefaultEpsilon)]
    public void Shifted_devices_are_flagged_within_three_windows_and_clean_ones_are_not(double epsilon)
    {
        var report = Run(epsilon);

        Assert.Equal(20, report.Shifted.Count(d => d.Shift!.IsCovariate));
        Assert.Equal(3, report.Shifted.Count(d => !d.Shift!.IsCovariate));
        Assert.True(report.DetectionRate >= 0.95, $"detected {report.DetectionRate:P0}; delays {string.Join(", ", report.DelayHistogram.Select(kv => $"{kv.Key}:{kv.Value}"))}");
        Assert.True(report.FalseAlarmRate <= 0.01, $"false alarms {report.FalseAlarmRate:P1}");
        Assert.True(report.FalseAlarmRateWholeRun <= 0.02, $"false alarms over the whole run {report.FalseAlarmRateWholeRun:P1}");
    }

    [Fact]
    public void Histogram_windows_cost_a_small_fraction_of_the_raw_inputs()
    {
        var report = DriftBenchmark.Run(DriftTestModels.MlpWithProfile, TestData.Fashion.Test, new DriftBenchmarkOptions { Devices = 5, WindowsBefore = 3, WindowsAfter = 1, CovariateFraction = 0, LabelFraction = 0 });

        // 360 images of 784 bytes an hour against one window of about 600 bytes.
        Assert.InRange(report.UplinkBytesPerDeviceDay, 24 * 500, 24 * 800);
        Assert.True(report.BytesRatio > 300, $"ratio {report.BytesRatio:0}");
    }
}
