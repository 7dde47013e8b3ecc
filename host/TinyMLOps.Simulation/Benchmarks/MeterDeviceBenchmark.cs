using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>What metering costs a device over a simulated day: flash writes, and uplink bytes against per-inference events.</summary>
public sealed record MeterDeviceReport(
    int BlockSize,
    double InferencesPerSecond,
    long Inferences,
    int FlashWrites,
    int Receipts,
    long ReceiptWireBytes,
    long EventWireBytes,
    IReadOnlyList<(int SyncsPerDay, double BytesPerSync)> PerSync)
{
    public double FlashWritesPer1000 => FlashWrites * 1000.0 / Inferences;

    /// <summary>Per-inference events over receipts: how many times fewer bytes the receipts need.</summary>
    public double Ratio => (double)EventWireBytes / ReceiptWireBytes;
}

/// <summary>
/// Runs the device's <see cref="DeviceMeter"/> (the firmware code) for one simulated day on a folder as flash and
/// counts its storage mutations and the protocol bytes of the receipts it cuts (each in its own v1 envelope). The
/// reference is what a cloud API's usage log would need: one event per inference (model id, variant id, a u32
/// timestamp and a u32 counter) in the same envelope. Both figures come from the same run.
/// </summary>
public static class MeterDeviceBenchmark
{
    private sealed class DayClock : IClock
    {
        public long UptimeMillis { get; set; }

        public uint UnixSeconds => (uint)(1_790_000_000 + (UptimeMillis / 1000));
    }

    private sealed class ListSink : IReceiptSink
    {
        public List<byte[]> Receipts { get; } = [];

        public bool Offer(byte[] receiptEncoding)
        {
            Receipts.Add(receiptEncoding);
            return true;
        }
    }

    public static MeterDeviceReport Run(string directory, int blockSize = 64, double inferencesPerSecond = 1, string deviceId = "bench-device-01", string modelId = "bench-model", string variantId = "cnn-w0.5")
    {
        var clock = new DayClock();
        var storage = new WriteCountingStorage(new DirectoryStorage(directory));
        var sink = new ListSink();
        byte[] key = new byte[32];
        var meter = new DeviceMeter(storage, deviceId, key, 1, clock, sink, new MeterOptions { BlockSize = blockSize });
        int writesBefore = storage.Writes;
        long inferences = (long)(86_400 * inferencesPerSecond);
        long eventBytes = 0;
        for (long i = 0; i < inferences; i++)
        {
            clock.UptimeMillis = (long)(i * 1000 / inferencesPerSecond);
            meter.Decide(modelId, variantId, clock.UnixSeconds);
            meter.Count(modelId, variantId, clock.UnixSeconds);
            if (i % 60 == 0)
            {
                meter.Poll(clock.UnixSeconds);
            }

            eventBytes += EventBytes(deviceId, modelId, variantId, (uint)(i + 1));
        }

        clock.UptimeMillis = 86_400_000;
        meter.Flush(clock.UnixSeconds);
        long receiptBytes = 0;
        uint seq = 1;
        foreach (byte[] r in sink.Receipts)
        {
            receiptBytes += WireCodec.Encode(new Message(MessageKind.UsageReceipt, deviceId, seq++, clock.UnixSeconds, r)).Length;
        }

        var perSync = new[] { 1, 24 }.Select(n => (n, (double)receiptBytes / n)).ToList();
        return new MeterDeviceReport(blockSize, inferencesPerSecond, inferences, storage.Writes - writesBefore, sink.Receipts.Count, receiptBytes, eventBytes, perSync);
    }

    private static int EventBytes(string deviceId, string modelId, string variantId, uint counter)
    {
        var w = new ByteWriter(64);
        w.WriteString(modelId);
        w.WriteString(variantId);
        w.WriteI32((int)counter);
        w.WriteI32((int)counter);
        return WireCodec.Encode(new Message(MessageKind.UsageReceipt, deviceId, counter, counter, w.ToArray())).Length;
    }
}
