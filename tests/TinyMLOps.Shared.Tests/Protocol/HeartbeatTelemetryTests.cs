using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The heartbeat's optional telemetry section: per-variant inferences, latency, memory and energy.</summary>
public sealed class HeartbeatTelemetryTests
{
    private const int BaseLength = 24;

    private static void Rejects(byte[] payload, string named)
    {
        var e = Assert.Throws<ProtocolException>(() => HeartbeatPayload.Decode(payload));
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    /// <summary>A record as a device builds it from <paramref name="latencies"/>, so its sums and histogram agree.</summary>
    internal static VariantTelemetry Record(string variantId, IReadOnlyList<long> latencies, uint arena = 12_288, uint working = 14_000, uint heap = 90_000, long energy = 0)
    {
        var t = new VariantTelemetry
        {
            VariantId = variantId,
            Inferences = (uint)latencies.Count,
            LatencySumMicros = latencies.Sum(),
            LatencyMaxMicros = latencies.Count == 0 ? 0 : (uint)latencies.Max(),
            ArenaBytes = arena,
            WorkingBytes = working,
            MinFreeHeapBytes = heap,
            EnergyMicrojoules = latencies.Count == 0 ? 0 : energy,
        };
        foreach (long l in latencies)
        {
            t.LatencyHistogram[VariantTelemetry.BucketOf(l)]++;
        }

        return t;
    }

    internal static HeartbeatPayload Sample(Random rng, int variants)
    {
        var h = new HeartbeatPayload { UptimeSeconds = 3600, PowerSource = 2, BatteryPercent = 80, OutboxEntries = 3, OutboxBytes = 900, Inferences = 1234, BootCount = 2 };
        h.Telemetry = new VariantTelemetry[variants];
        for (int v = 0; v < variants; v++)
        {
            int n = rng.Next(0, 60);
            var latencies = Enumerable.Range(0, n).Select(_ => (long)rng.Next(10, 5_000_000)).ToList();
            h.Telemetry[v] = Record($"cnn-w{v}.{rng.Next(10)}-{v}", latencies, (uint)rng.Next(1000, 50_000), 60_000, (uint)rng.Next(0, 200_000), rng.Next(2) == 0 ? 0 : rng.Next(1, 1_000_000));
        }

        return h;
    }

    [Fact]
    public void Latency_buckets_are_half_octaves_from_96_microseconds_to_about_3_seconds()
    {
        Assert.Equal(0, VariantTelemetry.BucketOf(0));
        Assert.Equal(0, VariantTelemetry.BucketOf(95));
        Assert.Equal(1, VariantTelemetry.BucketOf(96));
        Assert.Equal(2, VariantTelemetry.BucketOf(128));
        Assert.Equal(3, VariantTelemetry.BucketOf(192));
        Assert.Equal(VariantTelemetry.LatencyBuckets - 1, VariantTelemetry.BucketOf(long.MaxValue));
        Assert.Equal(3_145_728, VariantTelemetry.BucketStartMicros(VariantTelemetry.LatencyBuckets - 1));
        for (int b = 1; b < VariantTelemetry.LatencyBuckets; b++)
        {
            long start = VariantTelemetry.BucketStartMicros(b);
            Assert.Equal(b, VariantTelemetry.BucketOf(start));
            Assert.Equal(b - 1, VariantTelemetry.BucketOf(start - 1));
        }
    }

    [Fact]
    public void A_heartbeat_with_telemetry_round_trips_every_field()
    {
        var sent = Sample(new Random(7), VariantTelemetry.MaxVariants);
        byte[] bytes = sent.Encode();
        var got = HeartbeatPayload.Decode(bytes);

        Assert.Equivalent(sent, got, strict: true);
        Assert.Equal(bytes, got.Encode());
        Assert.Equal(VariantTelemetry.SectionVersion, bytes[BaseLength]);
        Assert.Equal(VariantTelemetry.MaxVariants, bytes[BaseLength + 1]);
    }

    [Fact]
    public void A_heartbeat_without_the_section_decodes_as_before_and_an_empty_section_stays_empty()
    {
        var old = new HeartbeatPayload { UptimeSeconds = 60, PowerSource = 1, BatteryPercent = 50, Inferences = 10, BootCount = 1 };
        byte[] bytes = old.Encode();
        Assert.Equal(BaseLength, bytes.Length);
        Assert.Null(HeartbeatPayload.Decode(bytes).Telemetry);

        old.Telemetry = [];
        bytes = old.Encode();
        Assert.Equal(BaseLength + 2, bytes.Length);
        Assert.Empty(HeartbeatPayload.Decode(bytes).Telemetry!);
    }

    [Fact]
    public void The_largest_heartbeat_fits_in_a_message()
    {
        var h = Sample(new Random(1), VariantTelemetry.MaxVariants);
        foreach (var t in h.Telemetry!)
        {
            t.VariantId = new string('v', 255);
        }

        byte[] payload = h.Encode();
        Assert.InRange(payload.Length, 1, WireCodec.MaxPayloadLength);
        Assert.Equal(payload, WireCodec.Decode(WireCodec.Encode(new Message(MessageKind.Heartbeat, "dev-1", 1, 0, payload))).Payload);
    }

    [Fact]
    public void Every_truncation_of_the_section_is_rejected_except_the_cut_before_it()
    {
        byte[] bytes = Sample(new Random(3), 2).Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            if (length == BaseLength)
            {
                Assert.Null(HeartbeatPayload.Decode(bytes[..length]).Telemetry);
                continue;
            }

            Rejects(bytes[..length], "truncated");
        }

        Rejects([.. bytes, 0], "1 bytes after the last field");
    }

    [Fact]
    public void Inconsistent_records_an_unknown_version_too_many_variants_and_duplicates_are_rejected()
    {
        var rng = new Random(5);
        byte[] good = Sample(rng, 1).Encode();

        byte[] bad = [.. good];
        bad[BaseLength] = 2;
        Rejects(bad, "not a telemetry section: version 2");

        bad = [.. good];
        bad[BaseLength + 1] = VariantTelemetry.MaxVariants + 1;
        Rejects(bad, "at most 4");

        var h = Sample(rng, 2);
        h.Telemetry![1].VariantId = h.Telemetry[0].VariantId;
        Rejects(h.Encode(), "twice");

        h = Sample(rng, 1);
        h.Telemetry![0] = Record("v", [100, 200, 300]);
        h.Telemetry[0].Inferences = 4;
        Rejects(h.Encode(), "histogram holds 3 of 4");

        h.Telemetry[0] = Record("v", [100, 200, 300]);
        h.Telemetry[0].LatencyMaxMicros = 250;
        Rejects(h.Encode(), "disagree");

        h.Telemetry[0] = Record("v", [100, 200, 300]);
        h.Telemetry[0].LatencySumMicros = 1000;
        Rejects(h.Encode(), "disagree");

        h.Telemetry[0] = Record("v", []);
        h.Telemetry[0].EnergyMicrojoules = 5;
        Rejects(h.Encode(), "disagree");

        h.Telemetry[0] = Record("v", [100], arena: 5000, working: 4000);
        Rejects(h.Encode(), "below the arena");

        h.Telemetry[0] = Record("", [100]);
        Rejects(h.Encode(), "empty variant id");

        h.Telemetry[0] = Record("v", [100]);
        h.Telemetry[0].EnergyMicrojoules = -1;
        Rejects(h.Encode(), "out of range");

        h.Telemetry = new VariantTelemetry[VariantTelemetry.MaxVariants + 1];
        Assert.Throws<ArgumentException>(() => h.Encode());
    }

    [Fact]
    public void Random_mutations_decode_to_the_same_bytes_or_throw_ProtocolException()
    {
        var rng = new Random(20261124);
        var corpus = Enumerable.Range(0, 40).Select(i => Sample(rng, i % (VariantTelemetry.MaxVariants + 1)).Encode()).ToList();
        int decoded = 0, rejected = 0;
        for (int n = 0; n < 20_000; n++)
        {
            byte[] input = [.. corpus[rng.Next(corpus.Count)]];
            int edits = 1 + rng.Next(3);
            for (int e = 0; e < edits; e++)
            {
                switch (rng.Next(4))
                {
                    case 0:
                        input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8));
                        break;
                    case 1:
                        input[rng.Next(input.Length)] = (byte)rng.Next(256);
                        break;
                    case 2:
                        input = input[..rng.Next(input.Length)];
                        break;
                    default:
                        input = [.. input, (byte)rng.Next(256)];
                        break;
                }

                if (input.Length == 0)
                {
                    break;
                }
            }

            HeartbeatPayload got;
            try
            {
                got = HeartbeatPayload.Decode(input);
            }
            catch (ProtocolException e)
            {
                Assert.Equal(RejectReason.BadPayload, e.Reason);
                rejected++;
                continue;
            }

            Assert.Equal(input, got.Encode());
            decoded++;
        }

        Assert.True(rejected > 10_000, $"{rejected} rejected");
        Assert.True(decoded > 100, $"{decoded} decoded");
    }
}
