using System.Text;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>Valid messages of every kind, random but seeded, and a per-kind payload round trip.</summary>
internal static class ProtocolSamples
{
    public static readonly int[] AllKinds =
    [
        MessageKind.Hello, MessageKind.Heartbeat, MessageKind.CommandResult, MessageKind.Chunk, MessageKind.Dropped,
        MessageKind.ChunkStatus, MessageKind.VariantSwitch, MessageKind.ModelHealth, MessageKind.UsageReceipt, MessageKind.Drift, MessageKind.Ack, MessageKind.Command, MessageKind.DownChunk,
    ];

    public static IEnumerable<object[]> KindData => AllKinds.Select(k => new object[] { k });

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

    private static readonly string[] Words = ["", "esp32-s3", "fashion-mlp", "café", "温度センサー", "1.4.2+g3f2a", "π≈3.14", "🙂 ok"];

    public static string DeviceId(Random rng, int length = 0)
    {
        if (length == 0)
        {
            length = rng.Next(1, WireCodec.MaxDeviceIdLength + 1);
        }

        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = IdAlphabet[rng.Next(IdAlphabet.Length)];
        }

        return new string(chars);
    }

    public static string Text(Random rng, int maxBytes = 255)
    {
        string s = rng.Next(4) switch
        {
            0 => Words[rng.Next(Words.Length)],
            1 => new string('x', rng.Next(0, maxBytes + 1)),
            _ => Words[rng.Next(Words.Length)] + rng.Next(),
        };
        while (Encoding.UTF8.GetByteCount(s) > maxBytes)
        {
            s = s[..^1];
        }

        return s;
    }

    public static uint U32(Random rng) => rng.Next(4) switch
    {
        0 => 0,
        1 => uint.MaxValue,
        _ => (uint)rng.NextInt64(0, 1L << 32),
    };

    public static byte[] Bytes(Random rng, int length)
    {
        var b = new byte[length];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Most samples small (fast fuzzing), some at the limits.</summary>
    private static int Size(Random rng, int max) => rng.Next(8) == 0 ? max : rng.Next(0, Math.Min(max, 40) + 1);

    public static HelloPayload Hello(Random rng) => new()
    {
        Board = Text(rng),
        FirmwareVersion = Text(rng),
        ModelId = Text(rng),
        ModelVersion = U32(rng),
        FreeHeapBytes = U32(rng),
        FreeFlashBytes = U32(rng),
        KernelMask = U32(rng),
        PowerSource = rng.Next(3),
        BatteryPercent = rng.Next(2) == 0 ? HelloPayload.NoBattery : rng.Next(101),
        BootCount = U32(rng),
        OutboxCapacityBytes = U32(rng),

        // Fixed, drawing nothing, so the other samples of a seed stay as they were.
        ConsentSettings = [UploadConsent.On, UploadConsent.Charging, UploadConsent.Ask],
        ConsentGranted = 1 << UploadConsent.Telemetry,
        InstalledHashes = [[1, 2, 3, 4, 5, 6, 7, 8], new byte[HelloPayload.InstalledHashBytes]],
        KernelBackend = "native",
    };

    public static HeartbeatPayload Heartbeat(Random rng) => new()
    {
        UptimeSeconds = U32(rng),
        PowerSource = rng.Next(3),
        BatteryPercent = rng.Next(2) == 0 ? HelloPayload.NoBattery : rng.Next(101),
        OutboxEntries = rng.Next(0x10000),
        OutboxBytes = U32(rng),
        DroppedTotal = U32(rng),
        Inferences = U32(rng),
        BootCount = U32(rng),
    };

    public static CommandResultPayload CommandResult(Random rng) => new()
    {
        CommandId = U32(rng),
        Status = rng.Next(CommandResultPayload.Refused + 1),
        Detail = Text(rng),
    };

    public static VariantSwitchPayload VariantSwitch(Random rng)
    {
        int reason = rng.Next(1, 5);
        int from = rng.Next(1, 3);
        bool power = reason == VariantSwitchPayload.ReasonPower;
        return new VariantSwitchPayload
        {
            Reason = reason,
            FromRole = from,
            ToRole = power ? 3 - from : from,
            UptimeSeconds = U32(rng),
            PowerSource = rng.Next(3),
            BatteryPercent = rng.Next(2) == 0 ? HelloPayload.NoBattery : rng.Next(101),
            SwitchesTotal = U32(rng),
            AssignedRole = power ? 0 : rng.Next(1, 3),
            Result = reason == VariantSwitchPayload.ReasonRejected ? rng.Next(1, 256) : reason == VariantSwitchPayload.ReasonRolledBack ? rng.Next(0, 8) : 0,
            TransferId = power || reason == VariantSwitchPayload.ReasonRolledBack ? 0 : U32(rng),
            PluggedVariantId = Text(rng),
            BatteryVariantId = Text(rng),
        };
    }

    public static ModelHealthPayload ModelHealth(Random rng)
    {
        uint inferences = rng.Next(4) == 0 ? 0 : U32(rng);
        return new ModelHealthPayload
        {
            VariantId = Text(rng),
            Role = rng.Next(3),
            StartUptimeSeconds = U32(rng),
            WindowSeconds = U32(rng),
            Inferences = inferences,
            Errors = U32(rng),
            MeanConfidence = inferences == 0 ? 0 : rng.Next(65536),
            LowConfidenceCount = inferences == 0 ? 0 : (uint)rng.NextInt64(inferences + 1L),
            DriftMilli = rng.Next(2) == 0 ? ModelHealthPayload.NoDrift : rng.Next(65535),
        };
    }

    public static VariantRollback Rollback(Random rng) => new()
    {
        Role = rng.Next(1, 3),
        FromVariantId = "from-" + Text(rng, 100),
        ToVariantId = "to-" + Text(rng, 100),
    };

    public static CommandPayload Command(Random rng) => new()
    {
        CommandId = U32(rng),
        Name = "cmd-" + Text(rng, 200),
        Arguments = Bytes(rng, Size(rng, CommandPayload.MaxArgumentBytes)),
    };

    public static ChunkPayload Chunk(Random rng)
    {
        int count = rng.Next(4) == 0 ? ChunkPayload.MaxChunks : rng.Next(1, 50);
        byte[] data = Bytes(rng, Size(rng, ChunkPayload.MaxChunkBytes));
        long maxTotal = (long)count * ChunkPayload.MaxChunkBytes;
        return new ChunkPayload
        {
            TransferId = U32(rng),
            ContentType = rng.Next(256),
            Count = count,
            Index = rng.Next(count),
            TotalLength = (uint)rng.NextInt64(Math.Max(1, data.Length), maxTotal + 1),
            ArtifactCrc = U32(rng),
            Data = data,
        };
    }

    public static ChunkStatusPayload ChunkStatus(Random rng)
    {
        // The bitmap must fit a payload: 9 bytes of fields, so at most 4087 bytes, 32696 chunks.
        int count = rng.Next(8) == 0 ? 32696 : rng.Next(1, 300);
        var status = new ChunkStatusPayload { TransferId = U32(rng), Count = count, Received = new byte[(count + 7) / 8] };
        bool all = rng.Next(3) == 0;
        for (int i = 0; i < count; i++)
        {
            if (all || rng.Next(2) == 0)
            {
                status.Received[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        status.Complete = all && rng.Next(2) == 0;
        return status;
    }

    public static AckPayload Ack(Random rng)
    {
        int n = rng.Next(4) == 0 ? AckPayload.MaxRanges : rng.Next(1, 10);
        var first = new uint[n];
        var last = new uint[n];
        long next = rng.Next(1, 1000);
        uint maxStep = (uint)(uint.MaxValue / (2 * (n + 1)));
        for (int i = 0; i < n; i++)
        {
            first[i] = (uint)next;
            last[i] = (uint)(next + (rng.Next(3) == 0 ? 0 : rng.NextInt64(0, maxStep)));
            next = last[i] + 1L + rng.NextInt64(0, maxStep);
        }

        return new AckPayload(first, last);
    }

    public static DroppedPayload Dropped(Random rng)
    {
        int n = rng.Next(4) == 0 ? DroppedPayload.MaxEntries : rng.Next(1, 6);
        var d = new DroppedPayload { Kinds = new int[n], Counts = new uint[n], FirstSequences = new uint[n], LastSequences = new uint[n] };
        for (int i = 0; i < n; i++)
        {
            d.Kinds[i] = rng.Next(1, MessageKind.FirstDownlink);
            d.FirstSequences[i] = (uint)rng.NextInt64(1, 1L << 31);
            d.LastSequences[i] = d.FirstSequences[i] + (uint)rng.Next(0, 100000);
            d.Counts[i] = (uint)rng.NextInt64(1, d.LastSequences[i] - d.FirstSequences[i] + 2L);
        }

        return d;
    }

    public static byte[] Payload(Random rng, int kind) => kind switch
    {
        MessageKind.Hello => Hello(rng).Encode(),
        MessageKind.Heartbeat => Heartbeat(rng).Encode(),
        MessageKind.CommandResult => CommandResult(rng).Encode(),
        MessageKind.Chunk or MessageKind.DownChunk => Chunk(rng).Encode(),
        MessageKind.Dropped => Dropped(rng).Encode(),
        MessageKind.ChunkStatus => ChunkStatus(rng).Encode(),
        MessageKind.VariantSwitch => VariantSwitch(rng).Encode(),
        MessageKind.ModelHealth => ModelHealth(rng).Encode(),
        MessageKind.UsageReceipt => Metering.MeterSamples.Receipt(rng).Encode(),
        MessageKind.Drift => Drift.DriftSamples.Window(rng).Encode(),
        MessageKind.Ack => Ack(rng).Encode(),
        MessageKind.Command => Command(rng).Encode(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Decodes a payload with the class of its kind and encodes it again.</summary>
    public static byte[] PayloadRoundTrip(int kind, byte[] payload) => kind switch
    {
        MessageKind.Hello => HelloPayload.Decode(payload).Encode(),
        MessageKind.Heartbeat => HeartbeatPayload.Decode(payload).Encode(),
        MessageKind.CommandResult => CommandResultPayload.Decode(payload).Encode(),
        MessageKind.Chunk or MessageKind.DownChunk => ChunkPayload.Decode(payload).Encode(),
        MessageKind.Dropped => DroppedPayload.Decode(payload).Encode(),
        MessageKind.ChunkStatus => ChunkStatusPayload.Decode(payload).Encode(),
        MessageKind.VariantSwitch => VariantSwitchPayload.Decode(payload).Encode(),
        MessageKind.ModelHealth => ModelHealthPayload.Decode(payload).Encode(),
        MessageKind.UsageReceipt => TinyMLOps.Shared.Metering.UsageReceipt.Decode(payload).Encode(),
        MessageKind.Drift => DriftPayload.Decode(payload).Encode(),
        MessageKind.Ack => AckPayload.Decode(payload).Encode(),
        MessageKind.Command => CommandPayload.Decode(payload).Encode(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Offsets of the length (or count) fields of a payload that sit at a fixed place.</summary>
    public static int[] PayloadLengthFields(int kind) => kind switch
    {
        MessageKind.Hello => [0],
        MessageKind.CommandResult => [5],
        MessageKind.Chunk or MessageKind.DownChunk => [5, 7, 9, 21],
        MessageKind.Dropped => [0],
        MessageKind.ChunkStatus => [4, 7],
        MessageKind.VariantSwitch => [19],
        MessageKind.ModelHealth => [0],
        MessageKind.UsageReceipt => [1],
        MessageKind.Drift => [0],
        MessageKind.Ack => [0],
        MessageKind.Command => [4],
        _ => [],
    };

    public static Message Message(Random rng, int kind) =>
        new(kind, DeviceId(rng), (uint)rng.NextInt64(1, 1L << 32), U32(rng), Payload(rng, kind));

    public static byte[] Envelope(Random rng, int kind) => WireCodec.Encode(Message(rng, kind));

    public static byte[] Envelope(int kind, string deviceId, uint sequence, byte[] payload, uint timestamp = 1_700_000_000) =>
        WireCodec.Encode(new Message(kind, deviceId, sequence, timestamp, payload));

    /// <summary>Rewrites the trailing CRC-32 so that a hand-edited envelope passes the checksum.</summary>
    public static void FixCrc(byte[] envelope)
    {
        if (envelope.Length < 4)
        {
            return;
        }

        uint crc = TinyMLOps.Shared.Util.Crc32.Compute(envelope, 0, envelope.Length - 4);
        envelope[^4] = (byte)crc;
        envelope[^3] = (byte)(crc >> 8);
        envelope[^2] = (byte)(crc >> 16);
        envelope[^1] = (byte)(crc >> 24);
    }
}
