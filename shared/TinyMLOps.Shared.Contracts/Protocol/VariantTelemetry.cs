using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Operational telemetry of one model variant since boot, a record of the heartbeat's optional telemetry section
    /// (<see cref="HeartbeatPayload.Telemetry"/>): inferences, latency (sum, maximum and a histogram of half-octave
    /// buckets, from which the host reads p50 and p95), the classifier's planned arena and working set, the lowest free
    /// heap seen while the variant served, and the energy a meter measured. Every figure is a total since boot, so the
    /// newest heartbeat replaces the older ones.
    /// </summary>
    public sealed class VariantTelemetry
    {
        /// <summary>The version byte that opens the heartbeat's telemetry section.</summary>
        public const int SectionVersion = 1;

        /// <summary>Variants per heartbeat at most (a device keeps stats of this many, evicting the least recently run).</summary>
        public const int MaxVariants = 4;

        /// <summary>Latency histogram buckets (see <see cref="BucketOf"/>).</summary>
        public const int LatencyBuckets = 32;

        /// <summary><see cref="MinFreeHeapBytes"/> when the device cannot tell its free heap.</summary>
        public const uint UnknownHeap = 0;

        /// <summary><see cref="EnergyMicrojoules"/> when no meter measured the energy (the host estimates it from the board profile).</summary>
        public const long NotMetered = 0;

        // Bucket k of the 1-1.5-2-3-4-6... scale starts at 2^(k/2) (k even) or 3 * 2^((k-3)/2) (k odd); bucket 0 of the
        // histogram is everything below the start of k = FirstScaleBucket + 1 (96 µs).
        private const int FirstScaleBucket = 12;

        public string VariantId = "";
        public uint Inferences;
        public long LatencySumMicros;
        public uint LatencyMaxMicros;

        /// <summary><see cref="LatencyBuckets"/> counts; they add up to <see cref="Inferences"/>.</summary>
        public uint[] LatencyHistogram = new uint[LatencyBuckets];

        /// <summary>The interpreter's planned arena (its peak: the planner sizes it for the largest live set) and its whole working set.</summary>
        public uint ArenaBytes;
        public uint WorkingBytes;

        /// <summary>The lowest free managed heap seen while this variant served, or <see cref="UnknownHeap"/>.</summary>
        public uint MinFreeHeapBytes;

        /// <summary>Energy the meter measured over all these inferences, or <see cref="NotMetered"/>.</summary>
        public long EnergyMicrojoules;

        /// <summary>
        /// The histogram bucket of a latency: half-octave steps (96, 128, 192, 256, 384 µs, ...); bucket 0 holds
        /// everything under 96 µs and the last one everything from about 3.1 s.
        /// </summary>
        public static int BucketOf(long micros)
        {
            if (micros < 64)
            {
                return 0;
            }

            int bits = 0;
            long v = micros;
            while (v > 1)
            {
                v >>= 1;
                bits++;
            }

            // micros is in [2^bits, 2^(bits + 1)); the next bit down says which half.
            int k = (2 * bits) + (int)((micros >> (bits - 1)) & 1);
            int bucket = k - FirstScaleBucket;
            return bucket < 0 ? 0 : (bucket >= LatencyBuckets ? LatencyBuckets - 1 : bucket);
        }

        /// <summary>The smallest latency of a bucket in microseconds (0 for bucket 0).</summary>
        public static long BucketStartMicros(int bucket)
        {
            if (bucket <= 0)
            {
                return 0;
            }

            int k = bucket + FirstScaleBucket;
            return (k & 1) == 0 ? 1L << (k / 2) : 3L << ((k - 3) / 2);
        }

        internal void Write(ByteWriter w)
        {
            w.WriteString(VariantId);
            w.WriteI32((int)Inferences);
            w.WriteI64(LatencySumMicros);
            w.WriteI32((int)LatencyMaxMicros);
            for (int i = 0; i < LatencyBuckets; i++)
            {
                w.WriteI32((int)LatencyHistogram[i]);
            }

            w.WriteI32((int)ArenaBytes);
            w.WriteI32((int)WorkingBytes);
            w.WriteI32((int)MinFreeHeapBytes);
            w.WriteI64(EnergyMicrojoules);
        }

        internal static VariantTelemetry Read(ByteReader r, string kind)
        {
            VariantTelemetry t = new VariantTelemetry();
            t.VariantId = PayloadCodec.ReadString(r, kind, "telemetry variant id");
            t.Inferences = r.ReadU32("telemetry inferences");
            ulong sum = r.ReadU64("telemetry latency sum");
            t.LatencyMaxMicros = r.ReadU32("telemetry latency max");
            ulong total = 0;
            int highest = -1;
            for (int i = 0; i < LatencyBuckets; i++)
            {
                uint n = r.ReadU32("telemetry latency histogram");
                t.LatencyHistogram[i] = n;
                total += n;
                if (n > 0)
                {
                    highest = i;
                }
            }

            t.ArenaBytes = r.ReadU32("telemetry arena");
            t.WorkingBytes = r.ReadU32("telemetry working set");
            t.MinFreeHeapBytes = r.ReadU32("telemetry free heap");
            ulong energy = r.ReadU64("telemetry energy");
            if (t.VariantId.Length == 0)
            {
                throw PayloadCodec.Invalid(kind, "telemetry of an empty variant id");
            }

            if (total != t.Inferences)
            {
                throw PayloadCodec.Invalid(kind, "telemetry of " + t.VariantId + ": histogram holds " + total + " of " + t.Inferences + " inferences");
            }

            if (sum > 0x7FFFFFFFFFFFFFFFUL || energy > 0x7FFFFFFFFFFFFFFFUL)
            {
                throw PayloadCodec.Invalid(kind, "telemetry of " + t.VariantId + ": latency sum or energy out of range");
            }

            t.LatencySumMicros = (long)sum;
            t.EnergyMicrojoules = (long)energy;
            if (t.Inferences == 0 ? (sum != 0 || t.LatencyMaxMicros != 0 || energy != 0)
                : (sum < t.LatencyMaxMicros || sum > (ulong)t.Inferences * t.LatencyMaxMicros || BucketOf(t.LatencyMaxMicros) != highest))
            {
                throw PayloadCodec.Invalid(kind, "telemetry of " + t.VariantId + ": latency sum " + sum + ", max " + t.LatencyMaxMicros + " and histogram disagree");
            }

            if (t.WorkingBytes < t.ArenaBytes)
            {
                throw PayloadCodec.Invalid(kind, "telemetry of " + t.VariantId + ": working set " + t.WorkingBytes + " below the arena " + t.ArenaBytes);
            }

            return t;
        }
    }
}
