using TinyMLOps.Firmware.Core.Storage;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// One pending outbox entry as the outbox indexes it: where its record sits in the log, not its bytes
    /// (read them with <see cref="Outbox.ReadEncoded"/>). The agent keeps its publish bookkeeping here.
    /// </summary>
    public sealed class OutboxEntry
    {
        internal OutboxEntry(uint sequence, int kind, int flags, int offset, int recordLength)
        {
            Sequence = sequence;
            Kind = kind;
            Flags = flags;
            Offset = offset;
            RecordLength = recordLength;
            SentAtMillis = -1;
        }

        public uint Sequence { get; private set; }

        /// <summary>A <c>MessageKind</c> value.</summary>
        public int Kind { get; private set; }

        public bool Droppable
        {
            get { return (Flags & Outbox.FlagDroppable) != 0; }
        }

        /// <summary>Bytes the entry takes in the log, framing included.</summary>
        public int RecordLength { get; private set; }

        /// <summary>Length of the wire envelope.</summary>
        public int EncodedLength
        {
            get { return RecordLength - RecordFormat.Overhead - Outbox.EntryHeadBytes; }
        }

        /// <summary>Uptime of the last publish in this session, or -1 when it is due (never sent, or a reconnect since).</summary>
        public long SentAtMillis { get; set; }

        /// <summary>How many times it was published since boot.</summary>
        public int SendCount { get; set; }

        internal int Flags { get; set; }

        /// <summary>Where the record starts in the current log file (compaction moves it).</summary>
        internal int Offset { get; set; }
    }
}
