using System.Diagnostics;
using TinyMLOps.Host.Data;
using TinyMLOps.Host.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Host.Benchmarks;

/// <summary>Medians, in microseconds, of loading a model and running one inference, sealed against plain.</summary>
public sealed record SealedLoadReport(
    string ModelId,
    int PlainBytes,
    int SealedBytes,
    double OpenMicroseconds,
    double VerifyMicroseconds,
    double LoadMicroseconds,
    double InferenceMicroseconds,
    double SealedInferenceMicroseconds,
    double PlainLoadAndInferMicroseconds,
    double SealedLoadAndInferMicroseconds,
    int Loads)
{
    /// <summary>Load plus one inference, sealed over plain: the cost for a device that loads the model for every inference (deep sleep between them).</summary>
    public double PerLoadRatio => SealedLoadAndInferMicroseconds / PlainLoadAndInferMicroseconds;

    /// <summary>Steady-state inference, model loaded from the sealed file over from the plain one (decryption is per load, so about 1).</summary>
    public double SteadyRatio => SealedInferenceMicroseconds / InferenceMicroseconds;
}

/// <summary>
/// The cost of sealed artifacts (<see cref="SealedArtifact"/>) at load time, in the style of <see cref="LatencyBenchmark"/>:
/// per load, the plain path reads the model file and builds the interpreter, and the sealed path first opens the
/// envelope (HMAC check, then AES-CTR decryption with the .NET block function) and then does the same; each path then
/// classifies one image. Steady-state inference is timed on both interpreters too. Medians over loads, the first
/// round a warm-up; the figures belong in docs/benchmarks.md, never in a test assertion.
/// </summary>
public static class SealedLoadBenchmark
{
    public static SealedLoadReport Run(byte[] modelFile, ImageDataset images, int loads = 300, int rounds = 3)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(images);
        byte[] key = [.. Enumerable.Range(0, 32).Select(i => (byte)(31 * i + 7))];
        var cipher = DotNetAesBlockCipher.Instance;
        Int8Model plainModel = ModelReader.Read(modelFile);
        byte[] sealedFile = SealedArtifact.Seal(modelFile, key, SealedArtifact.NonceFor(key, plainModel.ContentHash), cipher);

        var open = new List<double>();
        var verify = new List<double>();
        var load = new List<double>();
        var plainTotal = new List<double>();
        var sealedTotal = new List<double>();
        var steadyPlain = new List<double>();
        var steadySealed = new List<double>();
        double tick = Stopwatch.Frequency / 1_000_000.0;
        int sink = 0;
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < loads; i++)
            {
                int image = i % images.Count;

                long t0 = Stopwatch.GetTimestamp();
                var plain = new Interpreter(ModelReader.Read(modelFile));
                long t1 = Stopwatch.GetTimestamp();
                sink += Classify(plain, images, image);
                long t2 = Stopwatch.GetTimestamp();

                long t3 = Stopwatch.GetTimestamp();
                int check = SealedArtifact.Check(sealedFile, key);
                long t4 = Stopwatch.GetTimestamp();
                byte[] decrypted = new byte[SealedArtifact.PlainLength(sealedFile)];
                SealedArtifact.Decrypt(sealedFile, key, 0, decrypted.Length, decrypted, 0, cipher);
                long t5 = Stopwatch.GetTimestamp();
                var opened = new Interpreter(ModelReader.Read(decrypted));
                sink += Classify(opened, images, image);
                long t6 = Stopwatch.GetTimestamp();
                if (check != SealResult.Ok)
                {
                    throw new InvalidOperationException("the sealed file does not open");
                }

                long t7 = Stopwatch.GetTimestamp();
                sink += Classify(plain, images, (image + 1) % images.Count);
                long t8 = Stopwatch.GetTimestamp();
                sink += Classify(opened, images, (image + 1) % images.Count);
                long t9 = Stopwatch.GetTimestamp();

                if (round > 0)
                {
                    load.Add((t1 - t0) / tick);
                    plainTotal.Add((t2 - t0) / tick);
                    verify.Add((t4 - t3) / tick);
                    open.Add((t5 - t3) / tick);
                    sealedTotal.Add((t6 - t3) / tick);
                    steadyPlain.Add((t8 - t7) / tick);
                    steadySealed.Add((t9 - t8) / tick);
                }
            }
        }

        GC.KeepAlive(sink);
        return new SealedLoadReport(
            plainModel.ModelId,
            modelFile.Length,
            sealedFile.Length,
            Median(open),
            Median(verify),
            Median(load),
            Median(steadyPlain),
            Median(steadySealed),
            Median(plainTotal),
            Median(sealedTotal),
            open.Count);
    }

    private static int Classify(Interpreter interpreter, ImageDataset images, int index)
    {
        interpreter.SetInputFromBytes(images.Pixels, index * images.PixelsPerImage);
        interpreter.Invoke();
        return interpreter.ArgMax();
    }

    private static double Median(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }
}
