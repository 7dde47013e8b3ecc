using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Host.Tests.Simulation.Signals;

public sealed class VibrationGeneratorTests
{
    private const int Samples = 6400; // 2 s at 3.2 kHz: 0.5 Hz resolution

    [Fact]
    public void A_healthy_machine_shows_its_shaft_speed_radially_and_gravity_on_the_axial_axis()
    {
        var generator = new VibrationGenerator(seed: 1);
        double[] x = Axis(generator.Window(Samples, MachineCondition.Healthy), 0);
        double[] z = Axis(generator.Window(Samples, MachineCondition.Healthy), 2);

        double oneX = Amplitude(x, generator.ShaftHz * 1.0, generator.SampleRate, search: 0.2);
        Assert.InRange(oneX, 0.04, 0.06); // the 0.05 g residual imbalance
        Assert.InRange(z.Average(), 0.98, 1.02);
        Assert.True(oneX > 3 * Amplitude(x, generator.ShaftHz * 1.37, generator.SampleRate, search: 0), "1x stands above a frequency with no component");
    }

    [Fact]
    public void Imbalance_grows_the_once_per_revolution_component()
    {
        var healthy = new VibrationGenerator(seed: 2);
        var unbalanced = new VibrationGenerator(seed: 2);
        double a = Amplitude(Axis(healthy.Window(Samples, MachineCondition.Healthy), 1), 24.75, 3200, search: 0.2);
        double b = Amplitude(Axis(unbalanced.Window(Samples, new MachineCondition { Imbalance = 4 }), 1), 24.75, 3200, search: 0.2);

        Assert.InRange(b / a, 3.5, 4.5);
    }

    [Fact]
    public void An_outer_race_defect_puts_its_ball_pass_frequency_in_the_envelope_spectrum()
    {
        var generator = new VibrationGenerator(seed: 3);
        double bpfo = generator.ShaftHz * VibrationGenerator.OuterRaceOrder;
        Assert.InRange(VibrationGenerator.OuterRaceOrder, 3.55, 3.62);

        double[] healthy = Envelope(Axis(generator.Window(Samples, MachineCondition.Healthy), 0));
        double[] faulty = Envelope(Axis(generator.Window(Samples, new MachineCondition { OuterRaceDefect = 0.5 }), 0));

        double faultyLine = Amplitude(faulty, bpfo, 3200, search: 1);
        double healthyLine = Amplitude(healthy, bpfo, 3200, search: 1);
        double faultyAside = Amplitude(faulty, bpfo * 1.13, 3200, search: 0);
        Assert.True(faultyLine > 5 * healthyLine, $"BPFO line {faultyLine:G3} against healthy {healthyLine:G3}");
        Assert.True(faultyLine > 3 * faultyAside, $"BPFO line {faultyLine:G3} against {faultyAside:G3} beside it");
        Assert.True(Kurtosis(Axis(generator.Window(Samples, new MachineCondition { OuterRaceDefect = 0.5 }), 0)) > 4, "impacts make the signal impulsive");
    }

    [Fact]
    public void The_same_seed_gives_the_same_windows_and_the_adc_saturates()
    {
        var condition = new MachineCondition { InnerRaceDefect = 0.3, Looseness = 0.05 };
        Assert.Equal(new VibrationGenerator(seed: 9).Window(512, condition), new VibrationGenerator(seed: 9).Window(512, condition));
        Assert.NotEqual(new VibrationGenerator(seed: 9).Window(512, condition), new VibrationGenerator(seed: 10).Window(512, condition));

        short[] loud = new VibrationGenerator(seed: 4).Window(512, new MachineCondition { Imbalance = 1000 });
        Assert.Equal(4095, loud.Max());
        Assert.Equal(-4096, loud.Min());
    }

    private static double[] Axis(short[] interleaved, int axis) =>
        [.. Enumerable.Range(0, interleaved.Length / 3).Select(i => interleaved[(i * 3) + axis] * VibrationGenerator.GPerCount)];

    /// <summary>Amplitude of the strongest component within ± search Hz of f (a DFT at 0.05 Hz steps).</summary>
    private static double Amplitude(double[] x, double f, double rate, double search)
    {
        double mean = x.Average();
        double best = 0;
        for (double probe = f - search; probe <= f + search + 1e-9; probe += 0.05)
        {
            double re = 0, im = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double w = 2 * Math.PI * probe * i / rate;
                re += (x[i] - mean) * Math.Cos(w);
                im -= (x[i] - mean) * Math.Sin(w);
            }

            best = Math.Max(best, 2 * Math.Sqrt((re * re) + (im * im)) / x.Length);
        }

        return best;
    }

    /// <summary>The squared first difference: a crude high-pass and rectifier, enough to demodulate the resonance.</summary>
    private static double[] Envelope(double[] x) => [.. Enumerable.Range(1, x.Length - 1).Select(i => (x[i] - x[i - 1]) * (x[i] - x[i - 1]))];

    private static double Kurtosis(double[] x)
    {
        double mean = x.Average();
        double m2 = x.Average(v => (v - mean) * (v - mean));
        double m4 = x.Average(v => Math.Pow(v - mean, 4));
        return m4 / (m2 * m2);
    }
}
