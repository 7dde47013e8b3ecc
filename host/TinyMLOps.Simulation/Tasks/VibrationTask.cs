using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>
/// Anomaly detection on a rotating machine's 3-axis accelerometer (docs/tasks.md, "Vibration"): windows of 512
/// samples per axis at 3,200 Hz from <see cref="VibrationGenerator"/>, turned into 30 spectral features by the
/// device's fixed-point <see cref="Spectral"/> front-end (per axis 8 log-spaced bands, RMS and peak). The family is
/// fully connected autoencoders trained on healthy machines only (several shaft speeds, resonances and noise levels);
/// the threshold is calibrated on other healthy windows; the holdout set holds healthy windows (label 0) and faulty
/// ones (label 1: outer race, inner race, imbalance and looseness at three severities each).
/// </summary>
public sealed class VibrationTask : TaskDefinition
{
    public const string TaskId = "vibration";

    public const int SampleRate = 3200;

    /// <summary>Samples per axis in one window (160 ms).</summary>
    public const int WindowSamples = 512;

    public const int Bands = 8;

    /// <summary>
    /// Every axis's features are divided by this: the front-end works in full scale (32,768 counts of 4 mg, 131 g), so
    /// features come in units of 0.128 g, and a healthy machine's bands, RMS and peak are of order 0.01 to 1.
    /// </summary>
    public const float ChannelScale = 1f / 1024;

    private static readonly ThreadLocal<Spectral> FrontEnds = new(NewSpectral);

    public static VibrationTask Instance { get; } = new();

    public override string Id => TaskId;

    public override string Title => "Rotating machine vibration (3-axis accelerometer, 3.2 kHz): autoencoder anomaly detection";

    public override string SampleNoun => "windows";

    public override int DefaultEpochs => 30;

    /// <summary>Autoencoders F → 32w → 8w → 32w → F at three widths.</summary>
    public override IReadOnlyList<VariantSpec> Family { get; } =
    [
        new("autoencoder-w0.5", "autoencoder", 0.5),
        new("autoencoder-w1", "autoencoder", 1),
        new("autoencoder-w2", "autoencoder", 2),
    ];

    public static IReadOnlyList<string> ClassNames { get; } = ["normal", "anomaly"];

    /// <summary>The healthy machines the family trains on: a 4-pole motor at 50 Hz with different slips, one at 60 Hz; housings and sensors differ.</summary>
    public static IReadOnlyList<Machine> Machines { get; } =
    [
        new(24.75, 1150, 0.020),
        new(24.40, 1100, 0.018),
        new(29.50, 1200, 0.022),
        new(24.90, 1180, 0.025),
    ];

    /// <summary>The faults of the holdout set, each at three severities.</summary>
    public static IReadOnlyList<(string Name, MachineCondition Condition)> Faults { get; } =
    [
        .. new[] { 0.3, 0.6, 1.2 }.Select(g => ($"outer race {g} g", new MachineCondition { OuterRaceDefect = g })),
        .. new[] { 0.3, 0.6, 1.2 }.Select(g => ($"inner race {g} g", new MachineCondition { InnerRaceDefect = g })),
        .. new[] { 3.0, 5.0, 8.0 }.Select(x => ($"imbalance x{x}", new MachineCondition { Imbalance = x })),
        .. new[] { 0.03, 0.06, 0.1 }.Select(g => ($"looseness {g} g", new MachineCondition { Looseness = g })),
    ];

    /// <summary>
    /// PSI 8: the profile pools every training machine, and one healthy machine on its own differs from that pool by a
    /// PSI of up to about 6 in its high bands (its own sensor noise and housing); a worn bearing moves them by 13 and more.
    /// </summary>
    public override int DriftAlarmPsiMilli => 8000;

    public override Spectral CreateFrontEnd() => NewSpectral();

    /// <summary>One drift group per spectral feature (the input is 1 x 1 x 30: axis by axis, 8 bands, RMS, peak).</summary>
    public override DriftGroups DriftGroupsFor(int inputH, int inputW, int inputC) => DriftGroups.PerChannel(inputC, "spectral features (3 axes x 8 bands, RMS, peak)");

    /// <summary>A window's float model input: the fixed-point front-end's features, divided by the channel scale as on the device.</summary>
    public static float[] Features(short[] window)
    {
        Spectral spectral = FrontEnds.Value!;
        var q = new int[spectral.OutC];
        spectral.Features(window, 0, q);
        var f = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
        {
            f[i] = (float)(q[i] / 16777216.0 / ChannelScale);
        }

        return f;
    }

    /// <summary>A generator for <paramref name="machine"/>, seeded.</summary>
    public static VibrationGenerator Generator(Machine machine, int seed) =>
        new(seed, SampleRate, machine.ShaftHz) { ResonanceHz = machine.ResonanceHz, NoiseG = machine.NoiseG };

    public override TaskSplits Load(TaskLoadOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Data != null)
        {
            throw new ArgumentException("the vibration task generates its data; it reads no files (see docs/tasks.md)");
        }

        int perMachine = options.Small ? 150 : 600;
        if (options.TrainLimit > 0)
        {
            perMachine = Math.Max(1, Math.Min(perMachine, options.TrainLimit / Machines.Count));
        }

        int calibrationPer = options.Small ? 50 : 120;
        int heldOutPer = options.Small ? 50 : 120;
        int perFault = options.Small ? 16 : 40;
        progress?.Report($"generating vibration windows: {Machines.Count} healthy machines, {Faults.Count} faults");

        var train = Generate("vibration-train", options.Seed, perMachine, _ => MachineCondition.Healthy, _ => 0);
        var calibration = Generate("vibration-calibration", options.Seed + 1000, calibrationPer, _ => MachineCondition.Healthy, _ => 0);
        var normal = Generate("vibration-heldout-normal", options.Seed + 2000, heldOutPer, _ => MachineCondition.Healthy, _ => 0);

        // Faulty windows: every fault on every machine in turn.
        var faulty = Generate("vibration-heldout-faulty", options.Seed + 3000, perFault * Faults.Count / Machines.Count, i => Faults[i % Faults.Count].Condition, _ => 1);
        return new TaskSplits(train, calibration, normal.Concat(faulty, "vibration-heldout"), $"generated ({Machines.Count} machines, seed {options.Seed})");
    }

    private static SignalSet Generate(string name, int seed, int perMachine, Func<int, MachineCondition> condition, Func<int, int> label)
    {
        var windows = new List<short[]>();
        var labels = new List<int>();
        for (int m = 0; m < Machines.Count; m++)
        {
            var generator = Generator(Machines[m], (seed * 31) + m);
            for (int i = 0; i < perMachine; i++)
            {
                windows.Add(generator.Window(WindowSamples, condition(i)));
                labels.Add(label(i));
            }
        }

        var spectral = NewSpectral();
        return SignalSet.Create(name, SampleRate, VibrationGenerator.Axes, windows, [.. labels], ClassNames, spectral.OutH, spectral.OutW, spectral.OutC, Features);
    }

    private static Spectral NewSpectral() => new(VibrationGenerator.Axes, WindowSamples, Bands, Spectral.SpacingLog, [ChannelScale, ChannelScale, ChannelScale]);
}
