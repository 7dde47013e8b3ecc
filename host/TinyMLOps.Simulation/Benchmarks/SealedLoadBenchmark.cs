using System.Diagnostics;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Simulation.Benchmarks;

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
    int Loads,
    long PlainLoadAllocatedBytes,
    long SealedLoadAllocatedBytes)
{
    /// <summary>Load plus one inference, sealed over plain: the cost for a device that loads the model for every inference (deep sleep between them).</summary>
    public double PerLoadRatio => SealedLoadAndInferMicroseconds / PlainLoadAndInferMicroseconds;

    /// <summary>Steady-state inference, model loaded from the sealed file over from the plain one (decryption is per load, so about 1).</summary>
    public double SteadyRatio => SealedInferenceMicroseconds / InferenceMicroseconds;
}

/// <summary>
/// The cost of sealed artifacts (<see cref="SealedArtifact"/>) at load time, in the style of <see cref="LatencyBenchmark"/>,
/// on the device's own code and an in-memory flash: per load, each path reads its installed slot the way the device
/// does (<see cref="ModelSlots.ReadActive"/>) and builds the interpreter. The plain slot is read whole and checked
/// (content hash, artifact tag, model reader); the sealed one streams through <see cref="SealedSlotReader"/> (the tag
/// over 1 KB reads with the portable HMAC, the ciphertext read into the model buffer and decrypted there with the .NET
/// AES block function, the content hash proved by the authenticated nonce). Each path then classifies one image. Steady-state inference is timed on
/// both interpreters too, and the bytes each load allocates are counted. Medians over loads, the first round a
/// warm-up; the figures belong in docs/benchmarks.md, never in a test assertion.
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
        var flash = new RamFlash();
        byte[] tag = ArtifactTag.Compute(key, plainModel.ContentHash, plainModel.VariantId);
        var plainSlots = new ModelSlots(flash, key, "plain-", cipher);
        var sealedSlots = new ModelSlots(flash, key, "sealed-", cipher);
        foreach (var (slots, bytes) in new[] { (plainSlots, modelFile), (sealedSlots, sealedFile) })
        {
            if (slots.Stage(bytes, plainModel.ContentHash, tag, plainModel.VariantId) != ModelResult.Ok || slots.Activate() != ModelResult.Ok)
            {
                throw new InvalidOperationException("the benchmark's model does not install");
            }
        }

        string sealedName = sealedSlots.SlotFile(sealedSlots.ActiveSlot);
        long plainAllocated = 0;
        long sealedAllocated = 0;

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

                long a0 = GC.GetAllocatedBytesForCurrentThread();
                long t0 = Stopwatch.GetTimestamp();
                var plain = new Interpreter(ModelReader.Read(plainSlots.ReadActive()));
                long t1 = Stopwatch.GetTimestamp();
                long a1 = GC.GetAllocatedBytesForCurrentThread();
                sink += Classify(plain, images, image);
                long t2 = Stopwatch.GetTimestamp();

                long a2 = GC.GetAllocatedBytesForCurrentThread();
                long t3 = Stopwatch.GetTimestamp();
                bool tagOk = SealedSlotReader.Authenticate(flash, sealedName, key, out _) == ModelResult.Ok;
                long t4 = Stopwatch.GetTimestamp();
                byte[]? decrypted = sealedSlots.ReadActive();
                long t5 = Stopwatch.GetTimestamp();
                var opened = new Interpreter(ModelReader.Read(decrypted));
                long a3 = GC.GetAllocatedBytesForCurrentThread();
                sink += Classify(opened, images, image);
                long t6 = Stopwatch.GetTimestamp();
                if (decrypted == null || !tagOk)
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
                    plainAllocated = a1 - a0;

                    // The verify-only pass is timed apart; the open (t4..t5) repeats it, as the device does.
                    sealedAllocated = a3 - a2;
                    load.Add((t1 - t0) / tick);
                    plainTotal.Add((t2 - t0) / tick);
                    verify.Add((t4 - t3) / tick);
                    open.Add((t5 - t4) / tick);
                    sealedTotal.Add((t6 - t4) / tick);
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
            open.Count,
            plainAllocated,
            sealedAllocated);
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

    /// <summary>Flash as the benchmark's files in RAM: reads copy, as a board's file reads do.</summary>
    private sealed class RamFlash : IStorage
    {
        private readonly Dictionary<string, byte[]> _files = [];

        public bool Exists(string name) => _files.ContainsKey(name);

        public int Length(string name) => _files.TryGetValue(name, out var f) ? f.Length : -1;

        public byte[]? ReadAll(string name) => _files.TryGetValue(name, out var f) ? (byte[])f.Clone() : null;

        public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
        {
            if (!_files.TryGetValue(name, out var f))
            {
                return 0;
            }

            int n = Math.Max(0, Math.Min(count, f.Length - offset));
            Array.Copy(f, offset, buffer, bufferOffset, n);
            return n;
        }

        public void Append(string name, byte[] data, int offset, int count) =>
            _files[name] = [.. _files.GetValueOrDefault(name, []), .. data.AsSpan(offset, count)];

        public void WriteAll(string name, byte[] data) => _files[name] = (byte[])data.Clone();

        public void Truncate(string name, int length) => _files[name] = _files[name][..length];

        public void Delete(string name) => _files.Remove(name);

        public void Rename(string from, string to)
        {
            _files[to] = _files[from];
            _files.Remove(from);
        }
    }
}
