using System.Collections;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// The counter of one model in memory: the next value, the reserved end, and the log records still needed
    /// (from the first one not yet receipted). Record k covers the values [Start_k, Start_k+1), the last one
    /// [Start, Next): consecutive records tile the counter with no gap.
    /// </summary>
    public sealed class ModelCounter
    {
        private readonly ArrayList _records = new ArrayList();

        public ModelCounter(string modelId)
        {
            ModelId = modelId;
        }

        public string ModelId { get; private set; }

        /// <summary>The value the next inference gets; every value below it counts as used.</summary>
        public ulong Next { get; internal set; }

        /// <summary>Values below this are durably reserved; after a restart the counter resumes here.</summary>
        public ulong End { get; internal set; }

        /// <summary>What the receipt chain has durably receipted (told at open and after each receipt).</summary>
        public ulong Receipted { get; internal set; }

        /// <summary>A record of this model was written since the counter was opened.</summary>
        internal bool WrittenSinceOpen { get; set; }

        public int RecordCount
        {
            get { return _records.Count; }
        }

        public CounterRecord Record(int index)
        {
            return (CounterRecord)_records[index];
        }

        public CounterRecord Last
        {
            get { return _records.Count == 0 ? null : (CounterRecord)_records[_records.Count - 1]; }
        }

        /// <summary>One past the last value record index covers.</summary>
        public ulong EffectiveEnd(int index)
        {
            return index + 1 < _records.Count ? Record(index + 1).Start : Next;
        }

        internal void Add(CounterRecord record)
        {
            _records.Add(record);
        }

        /// <summary>Drops the records wholly below <see cref="Receipted"/>, keeping the last one; returns how many.</summary>
        internal int DropReceipted()
        {
            int drop = 0;
            while (drop + 1 < _records.Count && EffectiveEnd(drop) <= Receipted)
            {
                drop++;
            }

            for (int i = 0; i < drop; i++)
            {
                _records.RemoveAt(0);
            }

            return drop;
        }
    }
}
