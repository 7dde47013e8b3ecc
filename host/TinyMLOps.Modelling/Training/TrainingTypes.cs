namespace TinyMLOps.Modelling.Training;

/// <summary>Hyper-parameters of <see cref="Trainer.Train"/>. Every field has a working default.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 64;

    /// <summary>Adam step size of the first epoch.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>The learning rate is multiplied by this after every epoch (1 = constant).</summary>
    public float LearningRateDecay { get; init; } = 1f;

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Decoupled weight decay (AdamW) applied to weights, not biases; 0 disables it.</summary>
    public float WeightDecay { get; init; }

    /// <summary>The loss: softmax cross-entropy (classifiers) or input reconstruction (autoencoders, whose accuracy reads 0).</summary>
    public TrainingLoss Loss { get; init; } = TrainingLoss.SoftmaxCrossEntropy;

    /// <summary>Seeds the weight initialisation and the per-epoch shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>When false, training continues from the model's current weights.</summary>
    public bool InitializeWeights { get; init; } = true;

    /// <summary>
    /// Each batch is cut into this many fixed contiguous parts, each accumulated sequentially into its own
    /// gradient buffer and the buffers summed in part order. Results depend on this number, never on the
    /// number of cores or on thread scheduling.
    /// </summary>
    public int GradientPartitions { get; init; } = 4;

    /// <summary>Worker threads (≤ 0: one per core). Does not change the results.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Progress is reported every this many batches and at the end of every epoch.</summary>
    public int ReportEveryBatches { get; init; } = 20;

    public void Validate()
    {
        if (Epochs < 1 || BatchSize < 1 || GradientPartitions < 1 || ReportEveryBatches < 1)
        {
            throw new ArgumentException("epochs, batch size, gradient partitions and report interval must be at least 1");
        }

        if (!(LearningRate > 0) || !(LearningRateDecay > 0) || Beta1 < 0 || Beta1 >= 1 || Beta2 < 0 || Beta2 >= 1 || !(Epsilon > 0) || WeightDecay < 0)
        {
            throw new ArgumentException("learning rate, decay, betas, epsilon or weight decay out of range");
        }
    }
}

/// <summary>One progress report: within an epoch, Loss and Accuracy are running means over the batches done so far.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training cross-entropy so far in this epoch.</param>
/// <param name="Accuracy">Training accuracy so far in this epoch, 0..1.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="EpochCompleted">True for the report that closes an epoch.</param>
/// <param name="ValidationAccuracy">At the end of an epoch, the validation accuracy when a validation set was given.</param>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    double Accuracy,
    TimeSpan Elapsed,
    bool EpochCompleted = false,
    double? ValidationAccuracy = null)
{
    /// <summary>Fraction of the whole run done, 0..1.</summary>
    public double Fraction => Epochs == 0 || Batches == 0 ? 0 : ((Epoch - 1) + ((double)Batch / Batches)) / Epochs;
}

/// <summary>Summary of one finished epoch.</summary>
public sealed record EpochSummary(int Epoch, double Loss, double Accuracy, double? ValidationAccuracy, float LearningRate, TimeSpan Elapsed);

/// <summary>What <see cref="Trainer.Train"/> did; the model itself was trained in place.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochSummary> Epochs, TimeSpan Elapsed, int Samples)
{
    public EpochSummary Last => Epochs[^1];
}
