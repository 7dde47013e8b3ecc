using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The peak RAM of one local round on a device, by part: the trainer (<see cref="HeadTrainer.RamBytes"/>: three copies of
/// the head, the layer vectors and the shuffle order), the float delta it writes, the error-feedback residual, and the
/// encoded update (the <see cref="ModelDelta"/>'s arrays plus its wire bytes). The stored samples are listed apart
/// (int8 features and a label each), since a device can keep them in flash and cap how many it trains on.
/// </summary>
public sealed record FederatedRamLine(
    string BoardId,
    int HeadLayers,
    int Parameters,
    int Samples,
    long TrainerBytes,
    long DeltaBytes,
    long ResidualBytes,
    long EncodedBytes,
    long SampleBytes,
    long BudgetBytes,
    long TrainingMacs,
    double? EstimatedSeconds)
{
    /// <summary>Training alone, samples aside.</summary>
    public long TrainingBytes => TrainerBytes + DeltaBytes + ResidualBytes + EncodedBytes;

    public bool Fits => TrainingBytes <= BudgetBytes;

    public bool FitsWithSamples => TrainingBytes + SampleBytes <= BudgetBytes;

    public double BudgetShare => TrainingBytes / (double)BudgetBytes;
}

/// <summary>Builds the RAM table of the benchmark.</summary>
public static class FederatedRam
{
    /// <summary>
    /// One line per board and head: RAM for a device that trains <paramref name="samples"/> samples, against the board's
    /// application RAM. The time is an estimate from the board's interpreted cycles per MAC (a lower bound for float SGD
    /// on a core without FPU) for <paramref name="epochs"/> epochs.
    /// </summary>
    public static IReadOnlyList<FederatedRamLine> Table(IEnumerable<BoardProfile> boards, IReadOnlyList<TrainableHead> heads, int samples, int epochs, float keepFraction, string variantId, int seed)
    {
        ArgumentNullException.ThrowIfNull(boards);
        ArgumentNullException.ThrowIfNull(heads);
        var lines = new List<FederatedRamLine>();
        var perHead = heads.Select(h => (Head: h, Encoded: EncodedBytes(h, keepFraction, variantId, seed), Macs: TrainingMacs(h, samples, epochs))).ToList();
        foreach (BoardProfile board in boards)
        {
            foreach (var (head, encoded, macs) in perHead)
            {
                double? seconds = board.CyclesPerMacInterpreted > 0 && board.ClockMhz > 0 ? macs * board.CyclesPerMacInterpreted / (board.ClockMhz * 1e6) : null;
                lines.Add(new FederatedRamLine(
                    board.Id,
                    head.LayerCount,
                    head.ParameterCount,
                    samples,
                    HeadTrainer.RamBytes(head, samples),
                    4L * head.ParameterCount,
                    4L * head.ParameterCount,
                    encoded,
                    (long)samples * (head.FeatureLength + 1),
                    board.AppRamBytes,
                    macs,
                    seconds));
            }
        }

        return lines;
    }

    /// <summary>
    /// The encoded update's RAM: per tensor its kept values (1 byte) and indexes (4 bytes) in the <see cref="ModelDelta"/>,
    /// and the wire bytes, measured by encoding a seeded dense random delta (so every index gap is real).
    /// </summary>
    public static long EncodedBytes(TrainableHead head, float keepFraction, string variantId, int seed)
    {
        ArgumentNullException.ThrowIfNull(head);
        var random = new Random(seed);
        float[][] delta = head.NewTensors();
        foreach (float[] t in delta)
        {
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        var encoder = new DeltaEncoder(head.TensorNames(), head.TensorSizes(), keepFraction, errorFeedback: true, random);
        ModelDelta update = encoder.Encode("r0001", variantId ?? "", 1000, delta);
        long arrays = update.Tensors.Sum(t => t.Values.Length + (4L * (t.Indexes?.Length ?? 0)));
        return arrays + update.Encode().Length;
    }

    /// <summary>Multiply-accumulates of local training: forward, weight gradients and the error passed back, per sample and epoch.</summary>
    public static long TrainingMacs(TrainableHead head, int samples, int epochs)
    {
        ArgumentNullException.ThrowIfNull(head);
        long perSample = 0;
        for (int l = 0; l < head.LayerCount; l++)
        {
            long weights = (long)head.Inputs(l) * head.Outputs(l);
            perSample += weights * (l == 0 ? 2 : 3);
        }

        return perSample * samples * epochs;
    }
}
