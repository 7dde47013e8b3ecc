using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Telemetry
{
    /// <summary>
    /// What one variant cost since boot: inferences, latency sum, maximum and histogram (<see cref="VariantTelemetry.BucketOf"/>),
    /// the classifier's arena and working set, the lowest free heap seen and the metered energy. Totals only, so the
    /// newest heartbeat carries everything.
    /// </summary>
    public sealed class VariantStats
    {
        private readonly uint[] _histogram = new uint[VariantTelemetry.LatencyBuckets];

        public VariantStats(string variantId)
        {
            VariantId = variantId;
            MinFreeHeapBytes = -1;
        }

        public string VariantId { get; private set; }

        public uint Inferences { get; private set; }

        public long LatencySumMicros { get; private set; }

        public uint LatencyMaxMicros { get; private set; }

        public int ArenaBytes { get; private set; }

        public int WorkingBytes { get; private set; }

        /// <summary>The lowest free heap sampled while this variant served, or -1 before a sample.</summary>
        public long MinFreeHeapBytes { get; private set; }

        /// <summary>Metered energy of these inferences; 0 without a meter.</summary>
        public long EnergyMicrojoules { get; private set; }

        /// <summary>When this variant last ran, in <see cref="OpsTelemetry"/>'s own count of inferences (for eviction).</summary>
        public long LastUsed { get; set; }

        /// <summary>Inferences in histogram bucket <paramref name="bucket"/>.</summary>
        public uint Bucket(int bucket)
        {
            return _histogram[bucket];
        }

        /// <summary>One inference: its latency (clamped to 0 .. 2^32-1 µs), the classifier's memory and the energy measured for it (0: none).</summary>
        public void Record(long latencyMicros, int arenaBytes, int workingBytes, long energyMicrojoules)
        {
            uint latency = latencyMicros < 0 ? 0 : (latencyMicros > 0xFFFFFFFFL ? 0xFFFFFFFF : (uint)latencyMicros);
            if (Inferences == 0xFFFFFFFF)
            {
                return; // the wire counts in 32 bits; a device that ran 4 billion inferences since boot stops counting
            }

            Inferences++;
            LatencySumMicros += latency;
            if (latency > LatencyMaxMicros)
            {
                LatencyMaxMicros = latency;
            }

            _histogram[VariantTelemetry.BucketOf(latency)]++;
            ArenaBytes = arenaBytes;
            WorkingBytes = workingBytes < arenaBytes ? arenaBytes : workingBytes;
            if (energyMicrojoules > 0)
            {
                EnergyMicrojoules += energyMicrojoules;
            }
        }

        /// <summary>A free-heap sample; keeps the lowest. Negative (unknown) samples are ignored.</summary>
        public void SampleHeap(long freeHeapBytes)
        {
            if (freeHeapBytes >= 0 && (MinFreeHeapBytes < 0 || freeHeapBytes < MinFreeHeapBytes))
            {
                MinFreeHeapBytes = freeHeapBytes;
            }
        }

        /// <summary>The heartbeat record of these stats.</summary>
        public VariantTelemetry ToWire()
        {
            VariantTelemetry t = new VariantTelemetry();
            t.VariantId = VariantId;
            t.Inferences = Inferences;
            t.LatencySumMicros = LatencySumMicros;
            t.LatencyMaxMicros = LatencyMaxMicros;
            for (int i = 0; i < _histogram.Length; i++)
            {
                t.LatencyHistogram[i] = _histogram[i];
            }

            t.ArenaBytes = Clamp(ArenaBytes);
            t.WorkingBytes = Clamp(WorkingBytes);
            t.MinFreeHeapBytes = MinFreeHeapBytes <= 0 ? VariantTelemetry.UnknownHeap : (MinFreeHeapBytes > 0xFFFFFFFFL ? 0xFFFFFFFF : (uint)MinFreeHeapBytes);
            t.EnergyMicrojoules = EnergyMicrojoules;
            return t;
        }

        private static uint Clamp(int bytes)
        {
            return bytes < 0 ? 0 : (uint)bytes;
        }
    }
}
