using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Fleet.Federated;
using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>How a run's devices send their update.</summary>
public enum UpdateEncoding
{
    /// <summary>Ours: clipped, top-k, int8 with stochastic rounding and error feedback, as a <see cref="ModelDelta"/>.</summary>
    Int8TopK,

    /// <summary>The baseline: the float32 local weights, one NumPy .npy file per array, as Flower sends them.</summary>
    FlowerFloat32,
}

/// <summary>One federated run: the split's α, the update encoding, the host's strategy, and whether the poisoners act.</summary>
public sealed record FederatedRunSpec(string Name, double Alpha, UpdateEncoding Encoding, string Strategy, bool Poisoned)
{
    public const string FedAvg = "FedAvg";
    public const string TrimmedMean = "TrimmedMean";
    public const string FedMedian = "FedMedian";
}

/// <summary>One round: test accuracy of the new global head, the uplink bytes of the round and so far.</summary>
public sealed record FederatedRound(int Round, double Accuracy, long UplinkBytes, long CumulativeBytes, int Poisoners);

/// <summary>What one run did, round by round.</summary>
public sealed record FederatedRunResult(FederatedRunSpec Spec, IReadOnlyList<FederatedRound> Rounds, long MaxUpdateBytes, double MeanUpdateBytes, double MeanHonestDeltaNorm, double ClippedShare, double Seconds)
{
    /// <summary>The global head after the last round (weights then bias per layer).</summary>
    public float[][] FinalGlobal { get; init; } = [];

    public long TotalBytes => Rounds[^1].CumulativeBytes;

    public double BytesPerRound => TotalBytes / (double)Rounds.Count;

    /// <summary>Mean accuracy of the last <paramref name="window"/> rounds.</summary>
    public double FinalAccuracy(int window) => Rounds.TakeLast(window).Average(r => r.Accuracy);

    /// <summary>The accuracy of every round, averaged over the trailing <paramref name="window"/> rounds (fewer at the start).</summary>
    public double[] RunningMean(int window)
    {
        var result = new double[Rounds.Count];
        double sum = 0;
        for (int i = 0; i < Rounds.Count; i++)
        {
            sum += Rounds[i].Accuracy;
            if (i >= window)
            {
                sum -= Rounds[i - window].Accuracy;
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }

    /// <summary>
    /// The first round whose trailing mean over <paramref name="window"/> full rounds reaches <paramref name="accuracy"/>,
    /// or null. Demanding a full window keeps one lucky round from counting.
    /// </summary>
    public FederatedRound? FirstReaching(double accuracy, int window)
    {
        double[] mean = RunningMean(window);
        for (int i = window - 1; i < mean.Length; i++)
        {
            if (mean[i] >= accuracy)
            {
                return Rounds[i];
            }
        }

        return null;
    }
}

/// <summary>Progress of the benchmark: the run, rounds done and its latest accuracy.</summary>
public readonly record struct FederatedProgress(string Run, int Round, int Rounds, double Accuracy);

/// <summary>
/// Simulates the rounds of one run without MQTT: each round a seeded sample of devices trains the current global head
/// with the device's <see cref="HeadTrainer"/> on its own cached samples, encodes its update as the run says (ours: clip,
/// <see cref="DeltaEncoder"/> with one error-feedback residual per device, the wire bytes decoded again on the host
/// side), and the host aggregates with the run's strategy. The device sample of each round, each device's local
/// shuffle and the poisoners are the same in every run, so runs differ only in what they compare.
/// </summary>
public static class FederatedRun
{
    public static FederatedRunResult Run(FederatedTask task, int[][] partition, bool[] poisoners, float[][] initial, FederatedRunSpec spec, FederatedBenchmarkOptions options, IProgress<FederatedProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(poisoners);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TrainableHead head = task.Head;
        IAggregationStrategy strategy = Strategy(spec.Strategy, options);
        var encoders = new DeltaEncoder[options.Devices];
        for (int d = 0; d < options.Devices; d++)
        {
            encoders[d] = new DeltaEncoder(head.TensorNames(), head.TensorSizes(), options.KeepFraction, errorFeedback: true, new Random(Mix(options.Seed, d, 0x0E7C)));
        }

        int[][] shapes = Shapes(head);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism };
        float[][] global = [.. initial.Select(t => (float[])t.Clone())];
        var rounds = new List<FederatedRound>(options.Rounds);
        long cumulative = 0, maxUpdate = 0, updates = 0, clipped = 0, honest = 0;
        double updateBytes = 0, honestNorms = 0;
        for (int round = 1; round <= options.Rounds; round++)
        {
            int[] selected = Select(options, round);
            var clients = new ClientUpdate[selected.Length];
            var sizes = new long[selected.Length];
            var norms = new double[selected.Length];
            var wasClipped = new bool[selected.Length];
            string roundId = $"r{round:D4}";
            var training = new TrainingParams
            {
                Epochs = options.LocalEpochs,
                BatchSize = options.BatchSize,
                LearningRate = (float)(options.LearningRate * Math.Pow(options.RoundDecay, round - 1)),
                ProximalMu = options.ProximalMu,
            };
            Parallel.For(0, selected.Length, parallel, j =>
            {
                int d = selected[j];
                var random = new Random(Mix(options.Seed, d, round));
                int[] mine = Cap(partition[d], options.MaxSamplesPerRound, random);
                var trainer = new HeadTrainer(head);
                trainer.SetGlobal(global);
                trainer.Train(task.Samples(mine), training, random);
                float[][] delta = head.NewTensors();
                trainer.Delta(delta);
                norms[j] = AggregationMath.L2Norm(delta);
                if (spec.Poisoned && poisoners[d])
                {
                    // Sign flip, scaled: the update pushes the global away from what this device's data teaches.
                    foreach (float[] t in delta)
                    {
                        for (int i = 0; i < t.Length; i++)
                        {
                            t[i] *= -options.PoisonScale;
                        }
                    }
                }

                string id = $"dev-{d:D3}";
                int samples = mine.Length;
                if (spec.Encoding == UpdateEncoding.Int8TopK)
                {
                    wasClipped[j] = DeltaCodec.ClipL2(delta, options.ClipNorm) < 1f;
                    byte[] wire = encoders[d].Encode(roundId, task.Model.VariantId, (uint)samples, delta).Encode();
                    sizes[j] = wire.Length;
                    clients[j] = new ClientUpdate(id, samples, Decode(head, wire));
                }
                else
                {
                    // Flower's FedAvg uploads the full local weights; the host subtracts the global it sent.
                    float[][] local = trainer.Weights;
                    sizes[j] = FlowerEncoding.EncodeUpdate(local, shapes).Sum(b => (long)b.Length);
                    clients[j] = new ClientUpdate(id, samples, delta);
                }
            });

            global = strategy.Aggregate(clients, global).Global;
            double accuracy = task.Accuracy(global, options.MaxDegreeOfParallelism);
            long bytes = sizes.Sum();
            cumulative += bytes;
            int poisonersInRound = spec.Poisoned ? selected.Count(d => poisoners[d]) : 0;
            rounds.Add(new FederatedRound(round, accuracy, bytes, cumulative, poisonersInRound));
            for (int j = 0; j < selected.Length; j++)
            {
                maxUpdate = Math.Max(maxUpdate, sizes[j]);
                updateBytes += sizes[j];
                updates++;
                clipped += wasClipped[j] ? 1 : 0;
                if (!(spec.Poisoned && poisoners[selected[j]]))
                {
                    honestNorms += norms[j];
                    honest++;
                }
            }

            progress?.Report(new FederatedProgress(spec.Name, round, options.Rounds, accuracy));
        }

        return new FederatedRunResult(spec, rounds, maxUpdate, updateBytes / updates, honest == 0 ? 0 : honestNorms / honest, clipped / (double)updates, clock.Elapsed.TotalSeconds) { FinalGlobal = global };
    }

    /// <summary>All of a device's samples, or a seeded draw of <paramref name="cap"/> of them (in their stored order).</summary>
    public static int[] Cap(int[] samples, int cap, Random random)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(random);
        if (cap <= 0 || samples.Length <= cap)
        {
            return samples;
        }

        int[] copy = [.. samples];
        random.Shuffle(copy);
        return [.. copy[..cap].Order()];
    }

    /// <summary>The devices of a round: the first PerRound of a seeded shuffle, the same for every run.</summary>
    public static int[] Select(FederatedBenchmarkOptions options, int round)
    {
        ArgumentNullException.ThrowIfNull(options);
        int[] all = [.. Enumerable.Range(0, options.Devices)];
        new Random(Mix(options.Seed, -1, round)).Shuffle(all);
        return all[..options.PerRound];
    }

    /// <summary>The fixed, seeded set of poisoning devices: round(fraction × devices) of them.</summary>
    public static bool[] Poisoners(FederatedBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int count = (int)Math.Round(options.Devices * options.PoisonFraction);
        int[] all = [.. Enumerable.Range(0, options.Devices)];
        new Random(Mix(options.Seed, -2, 0)).Shuffle(all);
        var result = new bool[options.Devices];
        foreach (int d in all[..count])
        {
            result[d] = true;
        }

        return result;
    }

    /// <summary>The host's strategy by name (one instance per run: some keep state).</summary>
    public static IAggregationStrategy Strategy(string name, FederatedBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return name switch
        {
            FederatedRunSpec.FedAvg => new FedAvg(),
            FederatedRunSpec.TrimmedMean => new TrimmedMean(options.TrimBeta),
            FederatedRunSpec.FedMedian => new FedMedian(),
            _ => throw new ArgumentException($"unknown strategy {name}", nameof(name)),
        };
    }

    /// <summary>The arrays' shapes as a framework holds them: weights [out, in], bias [out].</summary>
    public static int[][] Shapes(TrainableHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var shapes = new int[head.TensorCount][];
        for (int l = 0; l < head.LayerCount; l++)
        {
            shapes[2 * l] = [head.Outputs(l), head.Inputs(l)];
            shapes[(2 * l) + 1] = [head.Outputs(l)];
        }

        return shapes;
    }

    /// <summary>The host's side of our encoding: the wire bytes back into float tensors in the head's order.</summary>
    public static float[][] Decode(TrainableHead head, byte[] wire)
    {
        ArgumentNullException.ThrowIfNull(head);
        ModelDelta update = ModelDelta.Decode(wire);
        float[][] tensors = head.NewTensors();
        for (int t = 0; t < tensors.Length; t++)
        {
            DeltaTensor tensor = update.Find(head.TensorName(t)) ?? throw new InvalidDataException($"the update lacks {head.TensorName(t)}");
            DeltaCodec.Decode(tensor, tensors[t]);
        }

        return tensors;
    }

    /// <summary>
    /// A seed from three numbers, so the streams of different devices and rounds do not overlap. FNV-1a with a final
    /// mix, not HashCode.Combine, which is randomised per process while a run must be the same every time.
    /// </summary>
    internal static int Mix(int seed, int a, int b)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (int v in (ReadOnlySpan<int>)[seed, a, b])
            {
                h = (h ^ (uint)v) * 16777619;
                h ^= h >> 15;
                h *= 0x2C1B3C6D;
            }

            h ^= h >> 16;
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
