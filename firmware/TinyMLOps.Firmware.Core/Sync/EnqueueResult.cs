namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>What <see cref="Outbox"/> did with an enqueue: accepted with its sequence, or refused and why.</summary>
    public sealed class EnqueueResult
    {
        public const int Ok = 0;

        /// <summary>Full of entries that may not be evicted (non-droppable ones, or the drop report).</summary>
        public const int Full = 1;

        /// <summary>Larger than an empty outbox could ever hold.</summary>
        public const int TooLarge = 2;

        /// <summary>Not an uplink message kind.</summary>
        public const int BadKind = 3;

        public EnqueueResult(int status, uint sequence, int evicted)
        {
            Status = status;
            Sequence = sequence;
            Evicted = evicted;
        }

        public int Status { get; private set; }

        public bool Accepted
        {
            get { return Status == Ok; }
        }

        /// <summary>The sequence assigned, or 0 when refused.</summary>
        public uint Sequence { get; private set; }

        /// <summary>Droppable entries evicted to make room for this one.</summary>
        public int Evicted { get; private set; }

        public static string StatusName(int status)
        {
            switch (status)
            {
                case Ok: return "ok";
                case Full: return "full";
                case TooLarge: return "too-large";
                case BadKind: return "bad-kind";
                default: return "status-" + status;
            }
        }
    }
}
