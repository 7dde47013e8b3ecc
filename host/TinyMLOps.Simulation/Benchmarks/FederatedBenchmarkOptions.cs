namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>What the federated benchmark runs. Every default is the configuration of docs/benchmarks.md.</summary>
public sealed record FederatedBenchmarkOptions
{
    public int Devices { get; init; } = 100;

    /// <summary>Devices sampled each round.</summary>
    public int PerRound { get; init; } = 10;

    public int Rounds { get; init; } = 300;

    public int Seed { get; init; } = 2025;

    /// <summary>The Dirichlet α values of the label split; each gets our run and the Flower baseline run.</summary>
    public IReadOnlyList<double> Alphas { get; init; } = [0.1, 0.5];

    /// <summary>The "factory" seed set: the first training images, on which the base model is trained and calibrated.</summary>
    public int FactoryImages { get; init; } = 6_000;

    /// <summary>Training images after the factory set that the devices share (0: all the rest, 54,000).</summary>
    public int DeviceImages { get; init; }

    /// <summary>Test images used for evaluation (0: all 10,000).</summary>
    public int TestImages { get; init; }

    /// <summary>Epochs of Adam for the base model on the factory set.</summary>
    public int BaseEpochs { get; init; } = 20;

    public int Hidden { get; init; } = 128;

    public int Hidden2 { get; init; } = 64;

    /// <summary>Trailing dense layers trained by the federation.</summary>
    public int HeadLayers { get; init; } = 2;

    /// <summary>Devices with fewer samples make the Dirichlet split redraw (no device is left without data).</summary>
    public int MinSamplesPerDevice { get; init; } = 10;

    public int LocalEpochs { get; init; } = 1;

    /// <summary>
    /// A device trains on at most this many of its samples a round, drawn afresh each round (0: all of them), as the
    /// round invite's sample cap bounds a device's time and its shuffle order.
    /// </summary>
    public int MaxSamplesPerRound { get; init; } = 300;

    public int BatchSize { get; init; } = 16;

    public float LearningRate { get; init; } = 0.05f;

    /// <summary>The round's learning rate is LearningRate × this^(round − 1): the host sends it with each round's invite.</summary>
    public float RoundDecay { get; init; } = 0.99f;

    /// <summary>FedProx μ on the devices (0: plain SGD).</summary>
    public float ProximalMu { get; init; }

    /// <summary>Top-k fraction per tensor of our encoding.</summary>
    public float KeepFraction { get; init; } = 0.1f;

    /// <summary>L2 bound of our update, applied on the device before encoding.</summary>
    public float ClipNorm { get; init; } = 2f;

    /// <summary>Share of devices (a fixed, seeded set) that poison their updates in the poisoning runs.</summary>
    public double PoisonFraction { get; init; } = 0.1;

    /// <summary>A poisoned delta is −scale × the honest one, before the device's clipping.</summary>
    public float PoisonScale { get; init; } = 10f;

    /// <summary>The α of the poisoning runs.</summary>
    public double PoisonAlpha { get; init; } = 0.5;

    /// <summary>Trimmed mean's cut per side.</summary>
    public double TrimBeta { get; init; } = 0.2;

    /// <summary>Run FedMedian under poisoning too, beside the trimmed mean.</summary>
    public bool IncludeMedian { get; init; } = true;

    /// <summary>Epochs of the centralized reference over all device samples.</summary>
    public int CentralizedEpochs { get; init; } = 10;

    /// <summary>The centralized learning rate is multiplied by this after every epoch.</summary>
    public float CentralizedDecay { get; init; } = 0.8f;

    /// <summary>Rounds averaged for a run's final accuracy (and for the running mean that decides "reached").</summary>
    public int FinalWindow { get; init; } = 5;

    /// <summary>Worker threads for the devices of a round and for evaluation (≤ 0: one per core).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>A configuration for smoke tests: 20 devices, 5 a round, 15 rounds, 5,000 device images, 2,000 test images.</summary>
    public static FederatedBenchmarkOptions Quick { get; } = new()
    {
        Devices = 20,
        PerRound = 5,
        Rounds = 15,
        DeviceImages = 5_000,
        TestImages = 2_000,
        BaseEpochs = 8,
        CentralizedEpochs = 4,
        Alphas = [0.5],
    };

    public void Validate()
    {
        if (Devices < 1 || PerRound < 1 || PerRound > Devices || Rounds < 1 || FactoryImages < 1 || DeviceImages < 0 || TestImages < 0)
        {
            throw new ArgumentException("devices, per-round (at most devices), rounds and factory images must be positive");
        }

        if (Alphas.Count == 0 || Alphas.Any(a => !(a > 0) || double.IsInfinity(a)) || !(PoisonAlpha > 0))
        {
            throw new ArgumentException("every α must be positive and finite");
        }

        if (BaseEpochs < 1 || LocalEpochs < 1 || BatchSize < 1 || !(LearningRate > 0) || !(RoundDecay > 0) || RoundDecay > 1 || ProximalMu < 0 || CentralizedEpochs < 1 || !(CentralizedDecay > 0))
        {
            throw new ArgumentException("epochs, batch and learning rates must be positive and μ not negative");
        }

        if (!(KeepFraction > 0) || KeepFraction > 1 || !(ClipNorm > 0) || PoisonFraction < 0 || PoisonFraction > 1 || !(PoisonScale > 0))
        {
            throw new ArgumentException("keep fraction in (0, 1], clip norm and poison scale positive, poison fraction in [0, 1]");
        }

        if (Hidden < 1 || Hidden2 < 0 || HeadLayers < 1 || HeadLayers > (Hidden2 > 0 ? 3 : 2) || FinalWindow < 1 || FinalWindow > Rounds || MinSamplesPerDevice < 0 || MaxSamplesPerRound < 0)
        {
            throw new ArgumentException("hidden sizes, head layers (at most the model's dense layers) or final window out of range");
        }
    }
}
