using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Tests.Common;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Drift;

public class DriftMonitorTests
{
    private const long Hour = 3_600_000;

    [Fact]
    public void A_window_from_the_reference_distribution_stays_under_the_threshold()
    {
        var monitor = DriftFixtures.Monitor();
        var data = new DriftFixtures(2);
        Assert.Null(monitor.TakeWindow(0, "v1"));
        data.Feed(monitor, 300);

        DriftPayload? window = monitor.TakeWindow(Hour, "v1");

        Assert.NotNull(window);
        Assert.False(window.Alarm);
        Assert.False(monitor.Alarm);
        Assert.InRange(window.InputPsiMaxMilli, 0, 150); // one drawn value per region per sample: sampling noise alone is about 15 bins / 300 samples
        Assert.InRange(window.ClassPsiMilli, 0, 150);
        Assert.InRange(window.ConfidencePsiMilli, 0, 150);
    }

    [Fact]
    public void A_brightness_shift_of_40_goes_over_the_threshold_and_raises_the_alarm()
    {
        var monitor = DriftFixtures.Monitor();
        var data = new DriftFixtures(3);
        monitor.TakeWindow(0, "v1");
        data.Feed(monitor, 300, brightness: 40);

        Assert.Null(monitor.TakeWindow(Hour / 2, "v1"));
        Assert.True(monitor.Alarm, "the current window raises the alarm once it has the minimum count");
        DriftPayload? window = monitor.TakeWindow(Hour, "v1");

        Assert.NotNull(window);
        Assert.True(window.Alarm);
        Assert.True(monitor.Alarm, "the alarm stays while the last finished window is over the threshold");
        Assert.True(window.InputPsiMaxMilli > 200, $"input PSI {window.InputPsiMaxMilli / 1000.0}");
        Assert.True(window.InputPsiMeanMilli > 200);
        Assert.InRange(window.InputPsiMaxFeature, 0, 15);
        Assert.True(window.InputJsMilli is > 0 and <= 1000);
    }

    [Fact]
    public void The_alarm_clears_after_a_clean_window()
    {
        var monitor = DriftFixtures.Monitor();
        var data = new DriftFixtures(4);
        monitor.TakeWindow(0, "v1");
        data.Feed(monitor, 250, brightness: 40);
        Assert.True(monitor.TakeWindow(Hour, "v1")!.Alarm);

        data.Feed(monitor, 250);
        Assert.False(monitor.TakeWindow(2 * Hour, "v1")!.Alarm);
        Assert.False(monitor.Alarm);
    }

    [Fact]
    public void A_window_is_held_back_until_it_has_the_minimum_count()
    {
        var monitor = DriftFixtures.Monitor(new DriftOptions { MinCount = 200 });
        var data = new DriftFixtures(5);
        monitor.TakeWindow(0, "v1");
        data.Feed(monitor, 199, brightness: 40);

        Assert.Null(monitor.TakeWindow(3 * Hour, "v1"));
        Assert.False(monitor.Alarm, "no alarm from fewer samples than the minimum");

        data.Feed(monitor, 1, brightness: 40);
        DriftPayload? window = monitor.TakeWindow(3 * Hour + 5000, "v1");
        Assert.NotNull(window);
        Assert.Equal(200u, window.SampleCount);
        Assert.Equal(0u, window.StartUptimeSeconds);
        Assert.Equal(3 * 3600u + 5, window.WindowSeconds);
        Assert.Equal("v1", window.VariantId);
        Assert.Equal(0u, monitor.Count);
    }

    [Fact]
    public void A_window_with_enough_samples_waits_for_its_length()
    {
        var monitor = DriftFixtures.Monitor(new DriftOptions { WindowSeconds = 600 });
        var data = new DriftFixtures(6);
        monitor.TakeWindow(1000, "v1");
        data.Feed(monitor, 250);

        Assert.Null(monitor.TakeWindow(600_999, "v1"));
        DriftPayload? window = monitor.TakeWindow(601_000, "v1");
        Assert.NotNull(window);
        Assert.Equal((1u, 600u), (window.StartUptimeSeconds, window.WindowSeconds));
    }

    [Fact]
    public void A_sample_adds_one_count_per_group_and_a_window_ends_before_a_count_could_pass_the_wire_limit()
    {
        // 4x4x1 input on one region: each sample counts one of its 16 values, so 65535 samples fit.
        var layout = new HistogramLayout(HistogramLayout.KindImageRegions, 1, 1, 16, 2, 10, 4, 4, 1);
        var profile = layout.NewProfile();
        layout.AddSample(profile, new sbyte[16], 0, 16, 0, 60000);
        var monitor = new DriftMonitor(profile, 4, 4, 1, new DriftOptions { Epsilon = 0 }, new Random(1));
        monitor.TakeWindow(0, "v1");
        for (int i = 0; i < 65534; i++)
        {
            monitor.Observe(new sbyte[16], 0, 16, 0, 60000);
        }

        Assert.Null(monitor.TakeWindow(1000, "v1"));
        monitor.Observe(new sbyte[16], 0, 16, 0, 60000);
        DriftPayload? window = monitor.TakeWindow(1000, "v1");

        Assert.NotNull(window);
        Assert.Equal(65535u, window.SampleCount);
        Assert.Equal(65535u, window.InputCounts[8]);
        Assert.Equal(65535u, window.InputCounts.Aggregate(0u, (a, c) => a + c));
    }

    [Fact]
    public void Without_noise_the_window_carries_the_exact_counts_and_epsilon_zero()
    {
        var monitor = DriftFixtures.Monitor(new DriftOptions { Epsilon = 0 }, seed: 11);
        var sampling = new Random(11); // the monitor draws each group's element from its own random, seeded alike
        var data = new DriftFixtures(8);
        var expected = DriftFixtures.Layout.NewProfile();
        monitor.TakeWindow(0, "v1");
        for (int i = 0; i < 200; i++)
        {
            var (input, cls, confidence) = data.Sample();
            monitor.Observe(input, 0, input.Length, cls, confidence);
            DriftFixtures.Layout.AddSampledInput(expected.InputCounts, input, 0, input.Length, sampling);
            DriftFixtures.Layout.AddOutcome(expected.ClassCounts, expected.ConfidenceCounts, cls, confidence);
        }

        DriftPayload window = monitor.TakeWindow(Hour, "v1")!;
        Assert.Equal(0f, window.Epsilon);
        Assert.Equal(expected.InputCounts, window.InputCounts);
        Assert.Equal(expected.ClassCounts, window.ClassCounts);
        Assert.Equal(expected.ConfidenceCounts, window.ConfidenceCounts);
        for (int g = 0; g < 16; g++)
        {
            Assert.Equal(200u, window.InputCounts.Skip(g * 16).Take(16).Aggregate(0u, (a, c) => a + c));
        }
    }

    [Fact]
    public void With_noise_on_only_noised_histograms_leave_the_device_and_the_alarm_stays_local()
    {
        var monitor = DriftFixtures.Monitor(new DriftOptions { Epsilon = 8 });
        var data = new DriftFixtures(12);
        monitor.TakeWindow(0, "v1");
        data.Feed(monitor, 300, brightness: 40);
        DriftPayload window = monitor.TakeWindow(Hour, "v1")!;

        Assert.True(monitor.Alarm, "the device still sees its drift");
        Assert.False(window.Alarm);
        Assert.Equal(DriftMath.NotComputed, window.InputPsiMaxMilli);
        Assert.Equal(DriftMath.NotComputed, window.ClassPsiMilli);
        Assert.Equal(8f, window.Epsilon);
    }

    [Fact]
    public void Noise_has_the_laplace_scale_of_groups_plus_two_over_epsilon_and_epsilon_is_recorded()
    {
        // Constant input: every group's bin 8 holds exactly 200 counts (one per sample) and its other bins hold 0.
        var monitor = DriftFixtures.Monitor(new DriftOptions { Epsilon = 1f });
        double scale = (16 + 2) / 1.0;
        var input = new sbyte[DriftFixtures.Size * DriftFixtures.Size];
        var offsets = new List<double>();
        var zeros = new List<double>();
        monitor.TakeWindow(0, "v1");
        for (int w = 1; w <= 250; w++)
        {
            for (int i = 0; i < 200; i++)
            {
                monitor.Observe(input, 0, input.Length, 0, 65535);
            }

            DriftPayload window = monitor.TakeWindow(w * Hour, "v1")!;
            Assert.Equal(1f, window.Epsilon);
            for (int g = 0; g < 16; g++)
            {
                offsets.Add(window.InputCounts[(g * 16) + 8] - 200.0);
                zeros.Add(window.InputCounts[g * 16]);
            }
        }

        // Laplace(0, b) has variance 2 b^2; rounding adds 1/12.
        double mean = offsets.Average();
        double variance = offsets.Sum(o => (o - mean) * (o - mean)) / (offsets.Count - 1);
        Assert.InRange(variance, 0.9 * 2 * scale * scale, 1.1 * 2 * scale * scale);
        Assert.InRange(mean, -3, 3);

        // A zero count clamped at 0: half stay 0, the rest are exponential with mean b, so the mean is about b / 2.
        Assert.InRange(zeros.Count(z => z == 0) / (double)zeros.Count, 0.5, 0.56);
        Assert.InRange(zeros.Average(), 0.9 * scale / 2, 1.1 * scale / 2);
    }

    [Fact]
    public void Laplace_draws_from_a_seeded_random_have_variance_two_scale_squared()
    {
        var rng = new Random(11);
        double[] draws = [.. Enumerable.Range(0, 100_000).Select(_ => DriftMath.Laplace(rng.NextDouble(), 2.25))];
        double mean = draws.Average();
        double variance = draws.Sum(d => (d - mean) * (d - mean)) / (draws.Length - 1);
        Assert.InRange(variance, 0.95 * 2 * 2.25 * 2.25, 1.05 * 2 * 2.25 * 2.25);
        Assert.InRange(mean, -0.05, 0.05);
    }

    [Fact]
    public void The_same_seed_gives_the_same_noised_window()
    {
        byte[] Run()
        {
            var monitor = DriftFixtures.Monitor(seed: 42);
            new DriftFixtures(9).Feed(monitor, 200);
            monitor.TakeWindow(0, "v1");
            return monitor.TakeWindow(Hour, "v1")!.Encode();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Observing_allocates_nothing()
    {
        var monitor = DriftFixtures.Monitor(new DriftOptions { MinCount = 50 });
        monitor.SetInputQuantization(1f / 255f, -128);
        var (input, cls, confidence) = new DriftFixtures(10).Sample();
        var raw = new byte[input.Length];
        monitor.TakeWindow(0, "v1");
        monitor.Observe(input, 0, input.Length, cls, confidence);
        monitor.ObservePixels(raw, 0, cls, confidence);

        long before = GC.GetAllocatedBytesForCurrentThread();
        // 600 rounds: under the 1337 samples at which a 28x28 window ends early.
        for (int i = 0; i < 600; i++)
        {
            monitor.Observe(input, 0, input.Length, cls, confidence);
            monitor.ObservePixels(raw, 0, cls, confidence);

            // Rescoring the alarm in the poll loop allocates nothing either (the window is not finished yet).
            Assert.Null(monitor.TakeWindow(1000, "v1"));
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(1202u, monitor.Count);
    }

    [Fact]
    public void Observe_refuses_a_class_outside_the_profile_without_counting_anything()
    {
        var monitor = DriftFixtures.Monitor();
        var input = new sbyte[DriftFixtures.Size * DriftFixtures.Size];
        Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Observe(input, 0, input.Length, DriftFixtures.Classes, 0));
        Assert.Throws<ArgumentException>(() => monitor.Observe(input, 0, input.Length - 1, 0, 0));
        Assert.Equal(0u, monitor.Count);
    }

    [Fact]
    public void The_options_alarm_threshold_overrides_the_profiles()
    {
        Assert.Equal(200, DriftFixtures.Monitor().AlarmPsiMilli);
        var strict = DriftFixtures.Monitor(new DriftOptions { AlarmPsiMilli = 1 });
        Assert.Equal(1, strict.AlarmPsiMilli);

        new DriftFixtures(12).Feed(strict, 200);
        strict.TakeWindow(0, "v1");
        Assert.True(strict.Alarm);
    }

    [Fact]
    public void For_model_takes_the_models_profile_variant_and_input_quantization()
    {
        var model = ModelReader.Read(BrightestModel.Build("b-v2", 120, ["r", "g", "b"]));
        Assert.Null(DriftMonitor.ForModel(model, new DriftOptions(), new Random(1)));

        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 3, 10, 1, 1, 3);
        model.DriftProfile = layout.NewProfile();
        layout.AddSample(model.DriftProfile, new sbyte[3], 0, 3, 0, 0);
        var monitor = DriftMonitor.ForModel(model, new DriftOptions { Epsilon = 0, MinCount = 1 }, new Random(1))!;
        Assert.Equal("b-v2", monitor.VariantId);

        // Raw 0, 128 and 255 quantize to -128, 0 and 127 (scale 1/255, zero point -128): bins 0, 8 and 15.
        monitor.ObservePixels([9, 0, 128, 255], 1, 2, 0);
        monitor.TakeWindow(0, "b-v2");
        DriftPayload window = monitor.TakeWindow(Hour, "b-v2")!;
        Assert.Equal(1u, window.InputCounts[0]);
        Assert.Equal(1u, window.InputCounts[16 + 8]);
        Assert.Equal(1u, window.InputCounts[32 + 15]);
        Assert.Equal(3u, window.InputCounts.Aggregate(0u, (a, b) => a + b));
        Assert.Equal([0u, 0u, 1u], window.ClassCounts);
    }

    [Fact]
    public void A_profile_that_does_not_fit_the_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new DriftMonitor(DriftFixtures.Reference, 2, 2, 1, new DriftOptions(), new Random(1)));
        Assert.Throws<ArgumentException>(() => new DriftMonitor(DriftFixtures.Reference, 28, 28, 1, new DriftOptions { MinCount = 0 }, new Random(1)));
    }
}
