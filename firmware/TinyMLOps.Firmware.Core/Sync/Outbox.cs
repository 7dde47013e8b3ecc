using System;
using System.Collections;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// The persistent, bounded uplink queue: an append log of <see cref="RecordFormat"/> records.
    /// <list type="bullet">
    /// <item>Header (type 1, always first): format version, next sequence, evicted and refused totals, and the
    /// drop summary not yet reported (fixed <see cref="SummarySlots"/> slots, so its size never changes).</item>
    /// <item>Entry (type 2): sequence u32, kind u8, flags u8, the wire envelope. Flag 2 "supersedes" removes older
    /// pending entries of its kind on replay (merging is atomic with the newer entry); flag 4 "drop report"
    /// clears the drop summary on replay (the report carries it).</item>
    /// <item>Ack tombstone (type 3): range count u16, then first u32 / last u32 per acked range.</item>
    /// </list>
    /// Opening replays the log and cuts it at the first torn or corrupt record. Compaction writes the header and
    /// the live entries to "name.tmp" and renames it over the log; evictions happen only through a compaction,
    /// whose header carries the summary they add to. A temp file next to the log is an unfinished compaction
    /// and is deleted; a temp file alone is a compaction whose rename was cut after the old log was deleted,
    /// and is adopted (it was complete before the rename began).
    /// </summary>
    public sealed class Outbox
    {
        public const int FlagDroppable = 1;
        public const int FlagSupersedes = 2;
        public const int FlagDropReport = 4;

        public const int EntryHeadBytes = 6;
        public const int SummarySlots = 8;
        public const int HeaderBytes = RecordFormat.Overhead + HeaderBody;
        public const int MaxAckRanges = 256;

        /// <summary>Below this an outbox cannot hold its header, the report headroom and a useful entry.</summary>
        public const int MinCapacityBytes = 1024;

        private const int TypeHeader = 1;
        private const int TypeEntry = 2;
        private const int TypeAck = 3;
        private const int FormatVersion = 1;
        private const int HeaderBody = 1 + 4 + 4 + 4 + 1 + (SummarySlots * 13);
        private const int MaxBody = EntryHeadBytes + WireCodec.MaxMessageLength;

        private readonly IStorage _storage;
        private readonly string _name;
        private readonly string _tempName;
        private readonly string _deviceId;
        private readonly int _capacity;
        private readonly int _reserve;
        private readonly byte[] _uplinkKey;
        private readonly int _tagBytes;
        private readonly int[] _dropKinds = new int[SummarySlots];
        private readonly uint[] _dropCounts = new uint[SummarySlots];
        private readonly uint[] _dropFirst = new uint[SummarySlots];
        private readonly uint[] _dropLast = new uint[SummarySlots];
        private ArrayList _pending = new ArrayList();
        private int _dropUsed;
        private uint _next;
        private uint _lastEntry;
        private int _fileBytes;
        private int _pendingBytes;

        public Outbox(IStorage storage, string fileName, string deviceId, int capacityBytes)
            : this(storage, fileName, deviceId, capacityBytes, null)
        {
        }

        /// <param name="uplinkKey">Tags every envelope written from now on (<see cref="EnvelopeKeys.Uplink"/>), or null: untagged.</param>
        public Outbox(IStorage storage, string fileName, string deviceId, int capacityBytes, byte[] uplinkKey)
        {
            if (storage == null || fileName == null)
            {
                throw new ArgumentNullException(storage == null ? "storage" : "fileName");
            }

            if (!WireCodec.IsValidDeviceId(deviceId))
            {
                throw new ArgumentException("invalid device id");
            }

            if (capacityBytes < MinCapacityBytes)
            {
                throw new ArgumentException("outbox capacity " + capacityBytes + " is below " + MinCapacityBytes + " bytes");
            }

            _storage = storage;
            _name = fileName;
            _tempName = fileName + ".tmp";
            _deviceId = deviceId;
            _capacity = capacityBytes;
            _uplinkKey = uplinkKey;
            _tagBytes = uplinkKey == null ? 0 : WireCodec.TagBytes;
            _reserve = EntryBytes(1 + (13 * SummarySlots));
            Open();
        }

        public int PendingCount
        {
            get { return _pending.Count; }
        }

        /// <summary>Log bytes of the pending entries, framing included.</summary>
        public int PendingBytes
        {
            get { return _pendingBytes; }
        }

        public int FileBytes
        {
            get { return _fileBytes; }
        }

        public int CapacityBytes
        {
            get { return _capacity; }
        }

        /// <summary>Bytes kept free by ordinary enqueues so a drop report always fits.</summary>
        public int ReservedBytes
        {
            get { return _reserve; }
        }

        /// <summary>Droppable entries evicted since the log was created.</summary>
        public uint DroppedTotal { get; private set; }

        /// <summary>Enqueues refused for lack of room. Persisted at the next compaction, so a power cut may lose the latest.</summary>
        public uint RefusedTotal { get; private set; }

        public uint NextSequence
        {
            get { return _next; }
        }

        /// <summary>Bytes cut from a torn or corrupt tail when the log was opened.</summary>
        public int RepairedBytes { get; private set; }

        public int Compactions { get; private set; }

        /// <summary>Entries <see cref="Withdraw"/> removed since boot.</summary>
        public int WithdrawnTotal { get; private set; }

        public bool HasDropReport
        {
            get { return _dropUsed > 0; }
        }

        /// <summary>Log bytes one entry with a payload of this length takes.</summary>
        public static int EntryBytesFor(string deviceId, int payloadLength)
        {
            return RecordFormat.Overhead + EntryHeadBytes + WireCodec.FixedOverhead + deviceId.Length + payloadLength;
        }

        /// <summary>Log bytes one entry with a payload of this length takes in this outbox (with its tag, if it tags).</summary>
        public int EntryBytes(int payloadLength)
        {
            return EntryBytesFor(_deviceId, payloadLength) + _tagBytes;
        }

        public static bool IsMergeable(int kind)
        {
            return kind == MessageKind.Hello || kind == MessageKind.Heartbeat;
        }

        /// <summary>Pending entry by age, 0 the oldest.</summary>
        public OutboxEntry GetPending(int index)
        {
            return (OutboxEntry)_pending[index];
        }

        /// <summary>The pending entry with this sequence, or null.</summary>
        public OutboxEntry FindPending(uint sequence)
        {
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (e.Sequence == sequence)
                {
                    return e;
                }
            }

            return null;
        }

        /// <summary>The wire envelope of a pending entry, read from the log.</summary>
        public byte[] ReadEncoded(OutboxEntry entry)
        {
            byte[] encoded = new byte[entry.EncodedLength];
            int read = _storage.Read(_name, entry.Offset + 4 + EntryHeadBytes, encoded, 0, encoded.Length);
            if (read != encoded.Length)
            {
                throw new ArgumentException("entry " + entry.Sequence + " is not in the log");
            }

            return encoded;
        }

        /// <summary>
        /// Log bytes free for new entries after a compaction, keeping the report headroom; with
        /// evictDroppable, also counting what evicting every droppable entry would free.
        /// </summary>
        public int SpaceFor(bool evictDroppable)
        {
            int live = _pendingBytes;
            if (evictDroppable)
            {
                for (int i = 0; i < _pending.Count; i++)
                {
                    OutboxEntry e = (OutboxEntry)_pending[i];
                    if (e.Droppable)
                    {
                        live -= e.RecordLength;
                    }
                }
            }

            return _capacity - _reserve - HeaderBytes - live;
        }

        public EnqueueResult Enqueue(int kind, byte[] payload, uint timestamp, bool droppable)
        {
            return EnqueueCore(kind, payload, timestamp, droppable ? FlagDroppable : 0);
        }

        /// <summary>The drops not yet reported, or null when there are none.</summary>
        public DroppedPayload PeekDropReport()
        {
            if (_dropUsed == 0)
            {
                return null;
            }

            DroppedPayload d = new DroppedPayload();
            d.Kinds = new int[_dropUsed];
            d.Counts = new uint[_dropUsed];
            d.FirstSequences = new uint[_dropUsed];
            d.LastSequences = new uint[_dropUsed];
            for (int i = 0; i < _dropUsed; i++)
            {
                d.Kinds[i] = _dropKinds[i];
                d.Counts[i] = _dropCounts[i];
                d.FirstSequences[i] = _dropFirst[i];
                d.LastSequences[i] = _dropLast[i];
            }

            return d;
        }

        /// <summary>
        /// Enqueues the drop summary as a non-droppable Dropped message and clears it, in one record; uses the
        /// headroom ordinary enqueues leave free. Null when there is nothing to report.
        /// </summary>
        public EnqueueResult EnqueueDropReport(uint timestamp)
        {
            DroppedPayload report = PeekDropReport();
            if (report == null)
            {
                return null;
            }

            return EnqueueCore(MessageKind.Dropped, report.Encode(), timestamp, FlagDropReport);
        }

        /// <summary>Removes the pending entries the ack covers; returns how many. Acks of unknown sequences are ignored.</summary>
        public int Acknowledge(AckPayload ack)
        {
            ArrayList kept = new ArrayList();
            ArrayList firsts = new ArrayList();
            ArrayList lasts = new ArrayList();
            int removedBytes = 0;
            bool inRange = false;
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (ack.Covers(e.Sequence))
                {
                    removedBytes += e.RecordLength;
                    if (inRange)
                    {
                        lasts[lasts.Count - 1] = e.Sequence;
                    }
                    else
                    {
                        firsts.Add(e.Sequence);
                        lasts.Add(e.Sequence);
                        inRange = true;
                    }
                }
                else
                {
                    kept.Add(e);
                    inRange = false;
                }
            }

            int removed = _pending.Count - kept.Count;
            if (removed == 0)
            {
                return 0;
            }

            int ranges = firsts.Count;
            int size = RecordFormat.Overhead + 2 + (8 * ranges);
            if (ranges > MaxAckRanges || _fileBytes + size > _capacity)
            {
                // No room for the tombstone: the compaction leaves the acked entries out instead.
                _pending = kept;
                _pendingBytes -= removedBytes;
                Compact();
                return removed;
            }

            byte[] body = new byte[2 + (8 * ranges)];
            RecordFormat.PutU16(body, 0, ranges);
            for (int r = 0; r < ranges; r++)
            {
                RecordFormat.PutU32(body, 2 + (8 * r), (uint)firsts[r]);
                RecordFormat.PutU32(body, 6 + (8 * r), (uint)lasts[r]);
            }

            byte[] record = RecordFormat.Frame(TypeAck, body, body.Length);
            _storage.Append(_name, record, 0, record.Length);
            _fileBytes += record.Length;
            _pending = kept;
            _pendingBytes -= removedBytes;
            return removed;
        }

        /// <summary>
        /// Removes every pending entry of a kind before it is sent (consent revoked for what it carries) and returns how
        /// many. The entries go the way of evictions: they are counted in <see cref="DroppedTotal"/> and the drop summary,
        /// so the host learns of the sequence gap, and the log is compacted without them. When the summary has no slot
        /// left for the kind, an ack tombstone removes them instead. Usage receipts are billing records and are never
        /// withdrawn (0 is returned).
        /// </summary>
        public int Withdraw(int kind)
        {
            if (kind == MessageKind.UsageReceipt)
            {
                return 0;
            }

            ArrayList victims = new ArrayList();
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (e.Kind == kind)
                {
                    victims.Add(e);
                }
            }

            if (victims.Count == 0)
            {
                return 0;
            }

            WithdrawnTotal += victims.Count;
            if (SlotOf(kind) >= 0 || _dropUsed < SummarySlots)
            {
                Evict(victims);
                Compact();
                return victims.Count;
            }

            uint[] first = new uint[victims.Count];
            uint[] last = new uint[victims.Count];
            for (int v = 0; v < victims.Count; v++)
            {
                first[v] = ((OutboxEntry)victims[v]).Sequence;
                last[v] = first[v];
            }

            return Acknowledge(new AckPayload(first, last));
        }

        /// <summary>Rewrites the log with only the header and the pending entries.</summary>
        public void Compact()
        {
            if (_storage.Exists(_tempName))
            {
                _storage.Delete(_tempName);
            }

            byte[] header = HeaderRecord();
            _storage.Append(_tempName, header, 0, header.Length);
            int position = header.Length;
            int[] offsets = new int[_pending.Count];
            byte[] buffer = new byte[64];
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (buffer.Length < e.RecordLength)
                {
                    buffer = new byte[e.RecordLength];
                }

                if (_storage.Read(_name, e.Offset, buffer, 0, e.RecordLength) != e.RecordLength)
                {
                    throw new ArgumentException("entry " + e.Sequence + " is not in the log");
                }

                // Merge and report flags did their work when first replayed; copies must not repeat it.
                int flags = e.Flags & FlagDroppable;
                int bodyLength = e.RecordLength - RecordFormat.Overhead;
                buffer[4 + 5] = (byte)flags;
                RecordFormat.PutU32(buffer, 4 + bodyLength, Crc32.Compute(buffer, 0, 4 + bodyLength));
                _storage.Append(_tempName, buffer, 0, e.RecordLength);
                offsets[i] = position;
                position += e.RecordLength;
            }

            _storage.Rename(_tempName, _name);
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                e.Offset = offsets[i];
                e.Flags = e.Flags & FlagDroppable;
            }

            _fileBytes = position;
            Compactions++;
        }

        private EnqueueResult EnqueueCore(int kind, byte[] payload, uint timestamp, int flags)
        {
            if (!MessageKind.IsUplink(kind))
            {
                return new EnqueueResult(EnqueueResult.BadKind, 0, 0);
            }

            if (payload == null)
            {
                payload = new byte[0];
            }

            bool report = (flags & FlagDropReport) != 0;
            int reserve = report ? 0 : _reserve;
            int need = EntryBytes(payload.Length);
            if (payload.Length > WireCodec.MaxPayloadLength || HeaderBytes + need + reserve > _capacity)
            {
                RefusedTotal++;
                return new EnqueueResult(EnqueueResult.TooLarge, 0, 0);
            }

            bool merge = IsMergeable(kind);
            if (merge)
            {
                flags |= FlagSupersedes;
            }

            int evicted = 0;
            if (_fileBytes + need + reserve > _capacity)
            {
                int superseded = merge ? BytesOfKind(kind) : 0;
                int live = HeaderBytes + _pendingBytes - superseded;
                int excess = live + need + reserve - _capacity;

                // Reports never evict: the evictions would belong in the report being written.
                ArrayList victims = excess > 0 && !report ? ChooseVictims(excess, merge ? kind : -1) : null;
                if (excess > 0 && victims == null)
                {
                    RefusedTotal++;
                    return new EnqueueResult(EnqueueResult.Full, 0, 0);
                }

                if (merge)
                {
                    RemoveKind(kind);
                }

                if (victims != null)
                {
                    Evict(victims);
                    evicted = victims.Count;
                }

                Compact();
            }

            uint sequence = _next;
            byte[] envelope = WireCodec.Encode(new Message(kind, _deviceId, sequence, timestamp, payload), _uplinkKey);
            byte[] body = new byte[EntryHeadBytes + envelope.Length];
            RecordFormat.PutU32(body, 0, sequence);
            body[4] = (byte)kind;
            body[5] = (byte)flags;
            Array.Copy(envelope, 0, body, EntryHeadBytes, envelope.Length);
            byte[] record = RecordFormat.Frame(TypeEntry, body, body.Length);
            _storage.Append(_name, record, 0, record.Length);
            AddEntry(new OutboxEntry(sequence, kind, flags, _fileBytes, record.Length));
            _fileBytes += record.Length;
            return new EnqueueResult(EnqueueResult.Ok, sequence, evicted);
        }

        /// <summary>Oldest droppable entries (not of the merging kind) freeing at least excess bytes, or null when impossible.</summary>
        private ArrayList ChooseVictims(int excess, int mergingKind)
        {
            ArrayList victims = new ArrayList();
            int[] newKinds = new int[SummarySlots];
            int newUsed = 0;
            int freed = 0;
            for (int i = 0; i < _pending.Count && freed < excess; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (!e.Droppable || e.Kind == mergingKind)
                {
                    continue;
                }

                if (SlotOf(e.Kind) < 0)
                {
                    bool known = false;
                    for (int k = 0; k < newUsed; k++)
                    {
                        known = known || newKinds[k] == e.Kind;
                    }

                    if (!known)
                    {
                        if (_dropUsed + newUsed >= SummarySlots)
                        {
                            // The summary could not account for it: keep it rather than drop it silently.
                            continue;
                        }

                        newKinds[newUsed++] = e.Kind;
                    }
                }

                victims.Add(e);
                freed += e.RecordLength;
            }

            return freed >= excess ? victims : null;
        }

        private void Evict(ArrayList victims)
        {
            for (int v = 0; v < victims.Count; v++)
            {
                OutboxEntry e = (OutboxEntry)victims[v];
                int slot = SlotOf(e.Kind);
                if (slot < 0)
                {
                    slot = _dropUsed++;
                    _dropKinds[slot] = e.Kind;
                    _dropCounts[slot] = 0;
                    _dropFirst[slot] = e.Sequence;
                    _dropLast[slot] = e.Sequence;
                }

                _dropCounts[slot]++;
                if (e.Sequence < _dropFirst[slot])
                {
                    _dropFirst[slot] = e.Sequence;
                }

                if (e.Sequence > _dropLast[slot])
                {
                    _dropLast[slot] = e.Sequence;
                }

                DroppedTotal++;
                _pending.Remove(e);
                _pendingBytes -= e.RecordLength;
            }
        }

        private int SlotOf(int kind)
        {
            for (int i = 0; i < _dropUsed; i++)
            {
                if (_dropKinds[i] == kind)
                {
                    return i;
                }
            }

            return -1;
        }

        private int BytesOfKind(int kind)
        {
            int bytes = 0;
            for (int i = 0; i < _pending.Count; i++)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (e.Kind == kind)
                {
                    bytes += e.RecordLength;
                }
            }

            return bytes;
        }

        private void RemoveKind(int kind)
        {
            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                if (e.Kind == kind)
                {
                    _pending.RemoveAt(i);
                    _pendingBytes -= e.RecordLength;
                }
            }
        }

        /// <summary>Adds an entry after the log holds it, applying its merge and report flags.</summary>
        private void AddEntry(OutboxEntry entry)
        {
            if ((entry.Flags & FlagSupersedes) != 0)
            {
                RemoveKind(entry.Kind);
            }

            if ((entry.Flags & FlagDropReport) != 0)
            {
                _dropUsed = 0;
            }

            _pending.Add(entry);
            _pendingBytes += entry.RecordLength;
            _lastEntry = entry.Sequence;
            if (entry.Sequence >= _next)
            {
                _next = entry.Sequence + 1;
            }
        }

        private void Open()
        {
            if (_storage.Exists(_name))
            {
                if (_storage.Exists(_tempName))
                {
                    _storage.Delete(_tempName);
                }
            }
            else if (_storage.Exists(_tempName))
            {
                _storage.Rename(_tempName, _name);
            }

            if (!_storage.Exists(_name) || !Replay())
            {
                CreateFresh();
            }
        }

        private bool Replay()
        {
            RecordReader reader = new RecordReader(_storage, _name, MaxBody);
            bool header = false;
            int end = 0;
            while (reader.Next())
            {
                bool applied;
                if (!header)
                {
                    applied = reader.Type == TypeHeader && ApplyHeader(reader.Buffer, reader.BodyLength);
                    header = applied;
                }
                else if (reader.Type == TypeEntry)
                {
                    applied = ApplyEntry(reader);
                }
                else if (reader.Type == TypeAck)
                {
                    applied = ApplyAck(reader.Buffer, reader.BodyLength);
                }
                else
                {
                    applied = false;
                }

                if (!applied)
                {
                    break;
                }

                end = reader.ValidLength;
            }

            if (!header)
            {
                return false;
            }

            if (end < reader.FileLength)
            {
                RepairedBytes = reader.FileLength - end;
                _storage.Truncate(_name, end);
            }

            _fileBytes = end;
            return true;
        }

        private void CreateFresh()
        {
            _pending = new ArrayList();
            _pendingBytes = 0;
            _dropUsed = 0;
            if (_next == 0)
            {
                _next = 1;
            }

            if (_storage.Exists(_tempName))
            {
                _storage.Delete(_tempName);
            }

            byte[] header = HeaderRecord();
            _storage.WriteAll(_tempName, header);
            _storage.Rename(_tempName, _name);
            _fileBytes = header.Length;
        }

        private byte[] HeaderRecord()
        {
            byte[] body = new byte[HeaderBody];
            body[0] = FormatVersion;
            RecordFormat.PutU32(body, 1, _next);
            RecordFormat.PutU32(body, 5, DroppedTotal);
            RecordFormat.PutU32(body, 9, RefusedTotal);
            body[13] = (byte)_dropUsed;
            for (int i = 0; i < _dropUsed; i++)
            {
                int p = 14 + (13 * i);
                body[p] = (byte)_dropKinds[i];
                RecordFormat.PutU32(body, p + 1, _dropCounts[i]);
                RecordFormat.PutU32(body, p + 5, _dropFirst[i]);
                RecordFormat.PutU32(body, p + 9, _dropLast[i]);
            }

            return RecordFormat.Frame(TypeHeader, body, body.Length);
        }

        private bool ApplyHeader(byte[] buffer, int length)
        {
            int b = 4;
            if (length != HeaderBody || buffer[b] != FormatVersion || buffer[b + 13] > SummarySlots)
            {
                return false;
            }

            uint next = RecordFormat.GetU32(buffer, b + 1);
            if (next == 0)
            {
                return false;
            }

            _next = next;
            DroppedTotal = RecordFormat.GetU32(buffer, b + 5);
            RefusedTotal = RecordFormat.GetU32(buffer, b + 9);
            _dropUsed = buffer[b + 13];
            for (int i = 0; i < _dropUsed; i++)
            {
                int p = b + 14 + (13 * i);
                _dropKinds[i] = buffer[p];
                _dropCounts[i] = RecordFormat.GetU32(buffer, p + 1);
                _dropFirst[i] = RecordFormat.GetU32(buffer, p + 5);
                _dropLast[i] = RecordFormat.GetU32(buffer, p + 9);
            }

            return true;
        }

        private bool ApplyEntry(RecordReader reader)
        {
            byte[] buffer = reader.Buffer;
            int length = reader.BodyLength;
            if (length < EntryHeadBytes + WireCodec.FixedOverhead + 1)
            {
                return false;
            }

            uint sequence = RecordFormat.GetU32(buffer, 4);
            int kind = buffer[8];
            int flags = buffer[9];

            // Sequences only grow along the log; an entry that goes back is not one this outbox wrote.
            if (sequence <= _lastEntry || sequence == 0 || !MessageKind.IsUplink(kind))
            {
                return false;
            }

            AddEntry(new OutboxEntry(sequence, kind, flags, reader.Offset, reader.RecordLength));
            return true;
        }

        private bool ApplyAck(byte[] buffer, int length)
        {
            int ranges = length >= 2 ? RecordFormat.GetU16(buffer, 4) : -1;
            if (ranges < 1 || length != 2 + (8 * ranges))
            {
                return false;
            }

            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                OutboxEntry e = (OutboxEntry)_pending[i];
                for (int r = 0; r < ranges; r++)
                {
                    uint first = RecordFormat.GetU32(buffer, 6 + (8 * r));
                    uint last = RecordFormat.GetU32(buffer, 10 + (8 * r));
                    if (e.Sequence >= first && e.Sequence <= last)
                    {
                        _pending.RemoveAt(i);
                        _pendingBytes -= e.RecordLength;
                        break;
                    }
                }
            }

            return true;
        }
    }
}
