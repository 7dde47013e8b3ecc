namespace TinyMLOps.Simulation.Signals;

/// <summary>The machine's condition: what a window's vibration contains.</summary>
public sealed record MachineCondition
{
    /// <summary>Extra once-per-revolution force from mass imbalance, as a multiple of the healthy residual (1 = healthy).</summary>
    public double Imbalance { get; init; } = 1;

    /// <summary>Peak amplitude of the outer-race defect's impacts, in g (0 = no defect).</summary>
    public double OuterRaceDefect { get; init; }

    /// <summary>Peak amplitude of the inner-race defect's impacts, in g (0 = no defect).</summary>
    public double InnerRaceDefect { get; init; }

    /// <summary>Mechanical looseness: the amplitude of the half and higher shaft harmonics it adds, in g (0 = tight).</summary>
    public double Looseness { get; init; }

    public static MachineCondition Healthy { get; } = new();
}

/// <summary>
/// A three-axis accelerometer on the bearing housing of a rotating machine (a motor driving a pump or fan), from a
/// small physical model (docs/tasks.md, "Vibration"):
/// <list type="bullet">
/// <item>Shaft speed f_r (default 24.75 Hz, 1,485 rpm: a 4-pole motor at 50 Hz with slip), drifting slowly with load
/// (± 0.5 %) between windows.</item>
/// <item>Rotation: the residual imbalance gives a 1× sinusoid, radial only (X and Y in quadrature, as a rotating force
/// does); misalignment a 2× component, mostly axial (Z); small 3× and 4× harmonics.</item>
/// <item>Rolling-element bearing (a 6205: 9 balls, ball diameter 7.94 mm, pitch diameter 39.04 mm, contact angle 0):
/// a defect makes an impact each time a ball passes it, at BPFO = n/2 · f_r · (1 − d/D · cos φ) (outer race, about
/// 3.59 f_r) or BPFI = n/2 · f_r · (1 + d/D · cos φ) (inner race, about 5.41 f_r, amplitude-modulated at f_r as the
/// defect turns through the load zone). Each impact rings the housing's resonance (default 1,150 Hz, damping ratio
/// 0.05) as a decaying sinusoid, with ± 1 % jitter in the impact times (ball slip).</item>
/// <item>Looseness: sub- and higher harmonics (0.5×, 1.5×, 2.5×, 3× ...) with random phases.</item>
/// <item>Sensor: gravity (1 g) on Z, white noise (default 0.02 g rms, about an ADXL345 at 3.2 kHz), and an ADC of
/// ± 16 g at 4 mg per count, saturating; samples are int16 counts interleaved X, Y, Z.</item>
/// </list>
/// Deterministic from its seed: the same seed and conditions give the same windows.
/// </summary>
public sealed class VibrationGenerator
{
    public const int Axes = 3;

    /// <summary>g per ADC count (an ADXL345 in full-resolution mode).</summary>
    public const double GPerCount = 0.004;

    private const double Balls = 9, BallDiameter = 7.94, PitchDiameter = 39.04;

    private readonly Random _random;
    private double _time;

    public VibrationGenerator(int seed, double sampleRate = 3200, double shaftHz = 24.75)
    {
        if (!(sampleRate >= 200) || !(shaftHz > 0) || shaftHz * 10 > sampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), "the sample rate must be at least 200 Hz and ten times the shaft speed");
        }

        _random = new Random(seed);
        SampleRate = sampleRate;
        ShaftHz = shaftHz;
    }

    public double SampleRate { get; }

    /// <summary>The nominal shaft speed in Hz.</summary>
    public double ShaftHz { get; }

    public double ResonanceHz { get; init; } = 1150;

    public double NoiseG { get; init; } = 0.02;

    /// <summary>Ball-pass frequency of the outer race, as a multiple of the shaft speed (about 3.59).</summary>
    public static double OuterRaceOrder => Balls / 2 * (1 - (BallDiameter / PitchDiameter));

    /// <summary>Ball-pass frequency of the inner race, as a multiple of the shaft speed (about 5.41).</summary>
    public static double InnerRaceOrder => Balls / 2 * (1 + (BallDiameter / PitchDiameter));

    /// <summary>One window of <paramref name="samples"/> samples per axis, interleaved X, Y, Z, in ADC counts.</summary>
    public short[] Window(int samples, MachineCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var g = new double[samples * Axes];
        double fr = ShaftHz * (1 + (0.005 * ((2 * _random.NextDouble()) - 1)));
        double dt = 1 / SampleRate;
        double phase1 = _random.NextDouble() * 2 * Math.PI;
        double phase2 = _random.NextDouble() * 2 * Math.PI;

        // Healthy residuals: imbalance 0.05 g at 1x, misalignment 0.03 g at 2x (mostly axial), 3x and 4x at 0.01 g.
        double imbalance = 0.05 * condition.Imbalance;
        for (int i = 0; i < samples; i++)
        {
            double t = _time + (i * dt);
            double w = 2 * Math.PI * fr * t;
            g[(i * 3) + 0] += (imbalance * Math.Cos(w + phase1)) + (0.012 * Math.Cos((2 * w) + phase2)) + (0.01 * Math.Cos((3 * w) + phase2));
            g[(i * 3) + 1] += (imbalance * Math.Sin(w + phase1)) + (0.012 * Math.Sin((2 * w) + phase2)) + (0.01 * Math.Cos((4 * w) + phase1));
            g[(i * 3) + 2] += (0.03 * Math.Cos((2 * w) + phase2)) + 1.0;
        }

        AddImpacts(g, samples, fr * OuterRaceOrder, condition.OuterRaceDefect, modulationHz: 0);
        AddImpacts(g, samples, fr * InnerRaceOrder, condition.InnerRaceDefect, modulationHz: fr);
        if (condition.Looseness > 0)
        {
            foreach (double order in new[] { 0.5, 1.5, 2.5, 3.0, 3.5, 5.0 })
            {
                double p = _random.NextDouble() * 2 * Math.PI;
                double a = condition.Looseness / (1 + (order / 2));
                for (int i = 0; i < samples; i++)
                {
                    double v = a * Math.Cos((2 * Math.PI * order * fr * (_time + (i * dt))) + p);
                    g[(i * 3) + 0] += v;
                    g[(i * 3) + 1] += 0.7 * v;
                }
            }
        }

        var counts = new short[g.Length];
        for (int i = 0; i < g.Length; i++)
        {
            double noisy = g[i] + (NoiseG * Gaussian());
            counts[i] = (short)Math.Clamp(Math.Round(noisy / GPerCount), -4096, 4095);
        }

        _time += samples * dt;
        return counts;
    }

    /// <summary>Impacts at <paramref name="rateHz"/> ringing the housing resonance, radial (X strongest), with slip jitter.</summary>
    private void AddImpacts(double[] g, int samples, double rateHz, double amplitude, double modulationHz)
    {
        if (amplitude <= 0)
        {
            return;
        }

        double dt = 1 / SampleRate;
        double period = 1 / rateHz;
        double decay = 0.05 * 2 * Math.PI * ResonanceHz;
        int ring = (int)Math.Min(samples, Math.Ceiling(5 / decay * SampleRate));

        // The impact train runs on absolute time across windows; impacts just before the window ring into it.
        double first = Math.Ceiling((_time - (ring * dt)) / period) * period;
        for (double at = first; at < _time + (samples * dt); at += period)
        {
            double jittered = at + (0.01 * period * ((2 * _random.NextDouble()) - 1));
            double a = amplitude * (modulationHz > 0 ? 0.5 * (1 + Math.Cos(2 * Math.PI * modulationHz * jittered)) : 1);
            int start = (int)Math.Ceiling((jittered - _time) / dt);
            for (int k = Math.Max(0, start); k < Math.Min(samples, start + ring); k++)
            {
                double s = (_time + (k * dt)) - jittered;
                double v = a * Math.Exp(-decay * s) * Math.Sin(2 * Math.PI * ResonanceHz * s);
                g[(k * 3) + 0] += v;
                g[(k * 3) + 1] += 0.6 * v;
                g[(k * 3) + 2] += 0.3 * v;
            }
        }
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
