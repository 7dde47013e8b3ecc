using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Core.Telemetry
{
    /// <summary>
    /// Operational telemetry of the variants that ran since boot, for the heartbeat: the app calls <see cref="Begin"/>
    /// right before a classification and <see cref="End"/> right after it. Stats are kept for at most a few variants in
    /// RAM (a reboot starts over); a new variant beyond them evicts the one that ran least recently. Latency comes from the
    /// <see cref="Timer"/> (microseconds) or, without one, from the clock's milliseconds; energy from the
    /// <see cref="Energy"/> meter, if the board has one; the free heap is sampled every <see cref="HeapSampleEvery"/>
    /// inferences of a variant (its first included) and at each heartbeat.
    /// </summary>
    public sealed class OpsTelemetry
    {
        /// <summary>On a board reading the free heap runs a garbage collection, so it is sampled now and then, outside the timed part.</summary>
        public const int DefaultHeapSampleEvery = 64;

        private readonly IClock _clock;
        private readonly VariantStats[] _variants;
        private int _count;
        private long _uses;
        private long _startMillis;
        private long _startEnergy;
        private bool _started;

        public OpsTelemetry(IClock clock)
            : this(clock, VariantTelemetry.MaxVariants, null, null, null)
        {
        }

        /// <param name="timer">The fine clock for latency; null: the clock's milliseconds.</param>
        /// <param name="energy">The board's energy meter; null (every board today): energy is reported as not metered.</param>
        /// <param name="memory">Where the free heap is read; null: unknown.</param>
        public OpsTelemetry(IClock clock, int maxVariants, IInferenceTimer timer, IEnergyMeter energy, IMemoryInfo memory)
        {
            if (maxVariants < 1 || maxVariants > VariantTelemetry.MaxVariants)
            {
                throw new System.ArgumentException("1 to " + VariantTelemetry.MaxVariants + " variants");
            }

            _clock = clock;
            Timer = timer;
            Energy = energy;
            Memory = memory;
            _variants = new VariantStats[maxVariants];
            HeapSampleEvery = DefaultHeapSampleEvery;
        }

        public IInferenceTimer Timer { get; private set; }

        public IEnergyMeter Energy { get; private set; }

        public IMemoryInfo Memory { get; private set; }

        public int HeapSampleEvery { get; set; }

        /// <summary>Variants with stats.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Variants whose stats were dropped for a newer one since boot.</summary>
        public int Evictions { get; private set; }

        public VariantStats Get(int index)
        {
            return _variants[index];
        }

        /// <summary>The stats of a variant, or null.</summary>
        public VariantStats Find(string variantId)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_variants[i].VariantId == variantId)
                {
                    return _variants[i];
                }
            }

            return null;
        }

        /// <summary>Right before the classification.</summary>
        public void Begin()
        {
            IEnergyMeter energy = Energy;
            _startEnergy = energy == null ? 0 : energy.TotalMicrojoules;
            IInferenceTimer timer = Timer;
            if (timer != null)
            {
                timer.Start();
            }
            else
            {
                _startMillis = _clock.UptimeMillis;
            }

            _started = true;
        }

        /// <summary>Right after the classification of <paramref name="variantId"/> (empty: the classifier's model id) by <paramref name="classifier"/>.</summary>
        public void End(string variantId, Classifier classifier)
        {
            if (!_started)
            {
                return;
            }

            _started = false;
            IInferenceTimer timer = Timer;
            long micros = timer != null ? timer.ElapsedMicros() : (_clock.UptimeMillis - _startMillis) * 1000;
            IEnergyMeter energy = Energy;
            long microjoules = energy == null ? 0 : energy.TotalMicrojoules - _startEnergy;
            string id = variantId == null || variantId.Length == 0 ? classifier.ModelId : variantId;
            Record(id, micros, classifier.ArenaBytes, classifier.WorkingBytes, microjoules);
        }

        /// <summary>One measured inference (what <see cref="End"/> records).</summary>
        public void Record(string variantId, long latencyMicros, int arenaBytes, int workingBytes, long energyMicrojoules)
        {
            if (variantId == null || variantId.Length == 0)
            {
                return;
            }

            VariantStats stats = Find(variantId);
            if (stats == null)
            {
                stats = Add(variantId);
            }

            stats.LastUsed = ++_uses;
            stats.Record(latencyMicros, arenaBytes, workingBytes, energyMicrojoules);
            int every = HeapSampleEvery < 1 ? 1 : HeapSampleEvery;
            if ((stats.Inferences - 1) % (uint)every == 0)
            {
                SampleHeap(stats);
            }
        }

        /// <summary>A free-heap sample for the variant that ran last (the heartbeat takes one).</summary>
        public void SampleHeap()
        {
            VariantStats latest = null;
            for (int i = 0; i < _count; i++)
            {
                if (latest == null || _variants[i].LastUsed > latest.LastUsed)
                {
                    latest = _variants[i];
                }
            }

            if (latest != null)
            {
                SampleHeap(latest);
            }
        }

        /// <summary>The heartbeat's telemetry section: one record per variant with stats (empty before the first inference).</summary>
        public VariantTelemetry[] ToWire()
        {
            VariantTelemetry[] records = new VariantTelemetry[_count];
            for (int i = 0; i < _count; i++)
            {
                records[i] = _variants[i].ToWire();
            }

            return records;
        }

        private void SampleHeap(VariantStats stats)
        {
            IMemoryInfo memory = Memory;
            if (memory != null)
            {
                stats.SampleHeap(memory.FreeHeapBytes);
            }
        }

        private VariantStats Add(string variantId)
        {
            VariantStats stats = new VariantStats(variantId);
            if (_count < _variants.Length)
            {
                _variants[_count++] = stats;
                return stats;
            }

            int oldest = 0;
            for (int i = 1; i < _count; i++)
            {
                if (_variants[i].LastUsed < _variants[oldest].LastUsed)
                {
                    oldest = i;
                }
            }

            _variants[oldest] = stats;
            Evictions++;
            return stats;
        }
    }
}
