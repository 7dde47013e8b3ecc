namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>The centralized reference: the same head, from the same start, trained with the same trainer on every device sample.</summary>
public sealed record FederatedCentralized(IReadOnlyList<double> EpochAccuracy, int Samples, double Seconds)
{
    public double Final => EpochAccuracy[^1];
}

/// <summary>How skewed one α's split is.</summary>
public sealed record FederatedSplitStats(double Alpha, int MinSamples, int MedianSamples, int MaxSamples, double MeanMaxClassShare);

/// <summary>Our run against the Flower baseline at one α, measured in the same benchmark.</summary>
public sealed record FederatedComparison(FederatedRunResult Ours, FederatedRunResult Baseline, int Window, double Centralized)
{
    public double Alpha => Ours.Spec.Alpha;

    public double OursFinal => Ours.FinalAccuracy(Window);

    /// <summary>The baseline's final accuracy: the target ours has to reach.</summary>
    public double BaselineFinal => Baseline.FinalAccuracy(Window);

    /// <summary>Our first round whose trailing mean reaches the baseline's final accuracy, or null when it never does.</summary>
    public FederatedRound? OursReach => Ours.FirstReaching(BaselineFinal, Window);

    /// <summary>The baseline's own first round at its final accuracy (trailing mean), for a like-for-like byte count.</summary>
    public FederatedRound? BaselineReach => Baseline.FirstReaching(BaselineFinal, Window);

    /// <summary>The baseline's total uplink over our uplink until we reached its final accuracy (the goal: ≥ 10).</summary>
    public double? RatioToBaselineTotal => OursReach is { } r ? Baseline.TotalBytes / (double)r.CumulativeBytes : null;

    /// <summary>The baseline's uplink until it first reached its final accuracy over ours until we did: the stricter ratio.</summary>
    public double? RatioToBaselineReach => OursReach is { } r && BaselineReach is { } b ? b.CumulativeBytes / (double)r.CumulativeBytes : null;

    /// <summary>Bytes per round, baseline over ours.</summary>
    public double PerRoundRatio => Baseline.BytesPerRound / Ours.BytesPerRound;

    /// <summary>Centralized minus ours, in points (the goal: at most 2).</summary>
    public double OursGapPoints => (Centralized - OursFinal) * 100;

    public double BaselineGapPoints => (Centralized - BaselineFinal) * 100;
}

/// <summary>One strategy clean and with the poisoners, at the poisoning α, our encoding.</summary>
public sealed record FederatedPoisoning(string Strategy, FederatedRunResult Clean, FederatedRunResult Poisoned, int Window)
{
    public double CleanFinal => Clean.FinalAccuracy(Window);

    public double PoisonedFinal => Poisoned.FinalAccuracy(Window);

    /// <summary>Clean minus poisoned final accuracy, in points (the goal for the robust strategy: at most 2).</summary>
    public double LossPoints => (CleanFinal - PoisonedFinal) * 100;
}

/// <summary>Everything the federated benchmark measured.</summary>
public sealed record FederatedBenchmarkReport(
    FederatedBenchmarkOptions Options,
    string VariantId,
    int HeadParameters,
    string HeadShape,
    int DeviceImages,
    int TestImages,
    int FactoryImages,
    double BaseAccuracy,
    double BaseHeadAccuracy,
    double InitialAccuracy,
    IReadOnlyList<FederatedSplitStats> Splits,
    IReadOnlyList<FederatedRunResult> Runs,
    FederatedCentralized Centralized,
    IReadOnlyList<FederatedRamLine> Ram,
    IReadOnlyList<FederatedInt8Line> Int8,
    double Seconds)
{
    public int Window => Options.FinalWindow;

    /// <summary>Ours against the baseline, per α.</summary>
    public IReadOnlyList<FederatedComparison> Comparisons =>
    [
        .. Options.Alphas.Select(a => new FederatedComparison(
            Find(a, UpdateEncoding.Int8TopK, FederatedRunSpec.FedAvg, false)!,
            Find(a, UpdateEncoding.FlowerFloat32, FederatedRunSpec.FedAvg, false)!,
            Window,
            Centralized.Final)),
    ];

    /// <summary>FedAvg and the robust strategies, clean and poisoned.</summary>
    public IReadOnlyList<FederatedPoisoning> Poisoning =>
    [
        .. Runs.Where(r => r.Spec.Poisoned).Select(p => new FederatedPoisoning(
            p.Spec.Strategy,
            Find(p.Spec.Alpha, p.Spec.Encoding, p.Spec.Strategy, false)!,
            p,
            Window)),
    ];

    public FederatedRunResult? Find(double alpha, UpdateEncoding encoding, string strategy, bool poisoned) =>
        Runs.FirstOrDefault(r => r.Spec.Alpha == alpha && r.Spec.Encoding == encoding && r.Spec.Strategy == strategy && r.Spec.Poisoned == poisoned);
}

/// <summary>Our final float head of one α, and the same head re-quantized into the int8 model that a device would run.</summary>
public sealed record FederatedInt8Line(double Alpha, double FloatAccuracy, double Int8Accuracy, int ModelBytes);
