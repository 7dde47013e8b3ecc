using System;
using System.Collections;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// Turns counted inferences into signed <see cref="UsageReceipt"/>s, one chain per device, and keeps the chain
    /// head (last receipt seq and hash, receipted-up-to per model) in a <see cref="SmallFile"/>.
    /// <para>
    /// Crash rule: the head is saved before a receipt is handed to the sink, with the receipt's bytes in it. A cut
    /// before the save loses a receipt that nobody saw, and the same range is cut again later (same seq, new
    /// bytes, still unseen). A cut after the save offers those exact bytes again after the restart, and the host
    /// drops the copy (same seq, identical bytes). So no range is receipted twice under different seqs, and none
    /// is skipped. The head is saved again, without the bytes, once the sink took them, which keeps restarts from
    /// re-sending. A refusing sink (outbox full) keeps the receipt here; it is offered first on every poll, and
    /// no new receipt is cut meanwhile, so inferences wait in the counter, not lost.
    /// </para>
    /// <para>
    /// Ranges: a receipt covers one model, one variant, one token and grace state, and one boot. It is cut when
    /// any of those changes, at <see cref="MeterOptions.MaxReceiptCount"/>, at
    /// <see cref="MeterOptions.MaxWindowSeconds"/>, for a block taken as used at a restart, or on a flush.
    /// </para>
    /// </summary>
    public sealed class ReceiptChain
    {
        private const int FormatVersion = 2;
        private const int FormatWithoutPattern = 1;

        private readonly WriteCountingStorage _storage;
        private readonly string _name;
        private readonly string _deviceId;
        private readonly byte[] _key;
        private readonly InferenceCounter _counter;
        private readonly MeterOptions _options;
        private readonly ArrayList _marks = new ArrayList();
        private uint _seq;
        private byte[] _hash = new byte[MeterTags.HashBytes];
        private byte[] _unsent;
        private bool _savedWithUnsent;
        private readonly QueryPattern _pattern;

        public ReceiptChain(IStorage storage, string fileName, string deviceId, byte[] deviceKey, InferenceCounter counter, MeterOptions options, uint nowUnix)
            : this(storage, fileName, deviceId, deviceKey, counter, options, nowUnix, null)
        {
        }

        /// <param name="pattern">The extraction signals each receipt takes (version 2 receipts) and whose rate state the head keeps; null for version 1 receipts.</param>
        public ReceiptChain(IStorage storage, string fileName, string deviceId, byte[] deviceKey, InferenceCounter counter, MeterOptions options, uint nowUnix, QueryPattern pattern)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new ArgumentException("receipts need the device key");
            }

            _storage = new WriteCountingStorage(storage);
            _name = fileName;
            _deviceId = deviceId;
            _key = deviceKey;
            _counter = counter;
            _options = options;
            _pattern = pattern;
            Load();
            for (int i = 0; i < _marks.Count; i++)
            {
                ChainMark mark = (ChainMark)_marks[i];
                counter.Raise(mark.ModelId, mark.UpTo, nowUnix);
                counter.MarkReceipted(mark.ModelId, mark.UpTo);
            }
        }

        /// <summary>Flash mutations of the chain head since open.</summary>
        public int FlashWrites
        {
            get { return _storage.Writes; }
        }

        /// <summary>The seq of the newest receipt (0 before the first).</summary>
        public uint LastSeq
        {
            get { return _seq; }
        }

        public byte[] LastHash
        {
            get
            {
                byte[] copy = new byte[_hash.Length];
                Array.Copy(_hash, 0, copy, 0, copy.Length);
                return copy;
            }
        }

        /// <summary>A receipt waits for the sink.</summary>
        public bool HasUnsent
        {
            get { return _unsent != null; }
        }

        /// <summary>Receipts cut since open.</summary>
        public int Cut { get; private set; }

        /// <summary>Receipts the sink took since open (a receipt re-offered after a restart counts again).</summary>
        public int HandedOver { get; private set; }

        /// <summary>Offers the sink refused since open.</summary>
        public int Refusals { get; private set; }

        public ulong ReceiptedUpTo(string modelId)
        {
            ChainMark mark = Find(modelId);
            return mark == null ? 0 : mark.UpTo;
        }

        /// <summary>Counted and not yet receipted values of a model.</summary>
        public ulong Pending(string modelId)
        {
            ModelCounter m = _counter.Find(modelId);
            ulong upTo = ReceiptedUpTo(modelId);
            return m == null || m.Next <= upTo ? 0 : m.Next - upTo;
        }

        /// <summary>The counter just gave value to an inference at unix; keeps the exact start of the next range.</summary>
        public void OnCounted(string modelId, ulong value, uint unix)
        {
            ChainMark mark = FindOrAdd(modelId);
            if (value == mark.UpTo)
            {
                mark.HasStart = true;
                mark.StartUnix = unix;
            }
        }

        /// <summary>
        /// Offers a waiting receipt, then cuts and offers due ranges (all pending ranges when flush) until the sink
        /// refuses or <see cref="MeterOptions.MaxReceiptsPerPoll"/> is reached. Returns the receipts the sink took.
        /// </summary>
        public int Poll(IReceiptSink sink, uint nowUnix, bool flush)
        {
            int taken = 0;
            if (_unsent != null)
            {
                if (!Offer(sink))
                {
                    return 0;
                }

                taken++;
            }

            for (int n = 0; n < _options.MaxReceiptsPerPoll; n++)
            {
                UsageReceipt receipt = NextDue(nowUnix, flush);
                if (receipt == null)
                {
                    break;
                }

                Append(receipt);
                if (!Offer(sink))
                {
                    return taken;
                }

                taken++;
            }

            // The sink has the newest receipt: drop its bytes from the head so a restart does not send it again.
            if (_unsent == null && _savedWithUnsent)
            {
                Save();
            }

            return taken;
        }

        /// <summary>The next due range of any model as an unsigned receipt (seq and hash not yet set), or null.</summary>
        public UsageReceipt NextDue(uint nowUnix, bool flush)
        {
            for (int i = 0; i < _counter.ModelCount; i++)
            {
                UsageReceipt r = Due(_counter.Model(i), nowUnix, flush);
                if (r != null)
                {
                    return r;
                }
            }

            return null;
        }

        private UsageReceipt Due(ModelCounter m, uint nowUnix, bool flush)
        {
            ChainMark mark = FindOrAdd(m.ModelId);
            ulong u = mark.UpTo;
            ulong limit = m.Next;
            if (u >= limit)
            {
                return null;
            }

            int first = 0;
            while (first < m.RecordCount && m.EffectiveEnd(first) <= u)
            {
                first++;
            }

            if (first == m.RecordCount)
            {
                return null;
            }

            // The run: following records with the same key, up to the next restart; empty records do not break it.
            CounterRecord head = m.Record(first);
            int last = first;
            for (int k = first + 1; k < m.RecordCount; k++)
            {
                CounterRecord r = m.Record(k);
                if (r.AfterOpen)
                {
                    break;
                }

                if (m.EffectiveEnd(k) == r.Start)
                {
                    continue;
                }

                if (!r.SameKey(head.VariantId, head.TokenId, head.Grace))
                {
                    break;
                }

                last = k;
            }

            ulong end = m.EffectiveEnd(last);
            ulong max = (ulong)_options.MaxReceiptCount;
            if (end - u > max)
            {
                end = u + max;
            }

            bool recovered = false;
            uint windowEnd = 0;
            for (int k = first; k <= last; k++)
            {
                CounterRecord r = m.Record(k);
                ulong from = r.Start > u ? r.Start : u;
                ulong to = m.EffectiveEnd(k) < end ? m.EffectiveEnd(k) : end;
                if (from < to)
                {
                    recovered |= r.Recovered;
                    if (r.LastUnix > windowEnd)
                    {
                        windowEnd = r.LastUnix;
                    }
                }
            }

            uint windowStart = mark.HasStart ? mark.StartUnix : head.Unix;
            if (windowEnd < windowStart)
            {
                windowEnd = windowStart;
            }

            bool closed = end < limit;
            bool old = nowUnix != 0 && windowStart != 0 && nowUnix >= windowStart && nowUnix - windowStart >= (uint)_options.MaxWindowSeconds;
            if (!flush && !closed && !recovered && !old && end - u < max)
            {
                return null;
            }

            UsageReceipt receipt = new UsageReceipt();
            receipt.DeviceId = _deviceId;
            receipt.ModelId = m.ModelId;
            receipt.VariantId = head.VariantId;
            receipt.First = u;
            receipt.Count = (uint)(end - u);
            receipt.WindowStart = windowStart;
            receipt.WindowEnd = windowEnd;
            receipt.BootCount = head.BootCount;
            receipt.QuotaTokenId = head.TokenId;
            receipt.GraceCount = head.Grace ? receipt.Count : 0;
            receipt.Flags = recovered ? UsageReceipt.FlagRecovered : 0;
            return receipt;
        }

        /// <summary>Links, signs and durably records a receipt as the new head; the sink gets it afterwards.</summary>
        private void Append(UsageReceipt receipt)
        {
            receipt.ReceiptSeq = _seq + 1;
            receipt.PrevHash = _hash;
            if (_pattern != null)
            {
                // A block taken as used at a restart ran nothing this boot saw: its receipt observes none.
                receipt.Signals = _pattern.Take(receipt.ModelId, receipt.Recovered ? 0 : receipt.Count);
            }

            receipt.Sign(_key);
            byte[] encoding = receipt.Encode();
            ChainMark mark = FindOrAdd(receipt.ModelId);
            _seq = receipt.ReceiptSeq;
            _hash = Sha256.Compute(encoding, 0, encoding.Length);
            _unsent = encoding;
            mark.UpTo = receipt.Limit;
            mark.HasStart = false;
            Save();
            Cut++;
            _counter.MarkReceipted(receipt.ModelId, receipt.Limit);
        }

        private bool Offer(IReceiptSink sink)
        {
            if (!sink.Offer(_unsent))
            {
                Refusals++;
                return false;
            }

            _unsent = null;
            HandedOver++;
            return true;
        }

        private ChainMark Find(string modelId)
        {
            for (int i = 0; i < _marks.Count; i++)
            {
                ChainMark mark = (ChainMark)_marks[i];
                if (mark.ModelId == modelId)
                {
                    return mark;
                }
            }

            return null;
        }

        private ChainMark FindOrAdd(string modelId)
        {
            ChainMark mark = Find(modelId);
            if (mark == null)
            {
                mark = new ChainMark(modelId, 0);
                _marks.Add(mark);
            }

            return mark;
        }

        /// <summary>
        /// Head body: u8 version, u32 seq, 32B hash, u8 models, per model str id and u64 up-to, u16 length and the unsent
        /// receipt; version 2 then the query pattern's rate state.
        /// </summary>
        private void Save()
        {
            ByteWriter w = new ByteWriter(64 + QueryPattern.StateBytes + (_unsent == null ? 0 : _unsent.Length));
            w.WriteU8(FormatVersion);
            w.WriteI32((int)_seq);
            w.WriteBytes(_hash, 0, _hash.Length);
            w.WriteU8(_marks.Count);
            for (int i = 0; i < _marks.Count; i++)
            {
                ChainMark mark = (ChainMark)_marks[i];
                w.WriteString(mark.ModelId);
                w.WriteI64((long)mark.UpTo);
            }

            int unsent = _unsent == null ? 0 : _unsent.Length;
            w.WriteU16(unsent);
            if (unsent > 0)
            {
                w.WriteBytes(_unsent, 0, unsent);
            }

            if (_pattern != null)
            {
                _pattern.WriteState(w);
            }

            byte[] body = w.ToArray();
            SmallFile.Write(_storage, _name, body, body.Length);
            _savedWithUnsent = unsent > 0;
        }

        private void Load()
        {
            byte[] body = SmallFile.Read(_storage, _name);
            if (body == null)
            {
                return;
            }

            try
            {
                ByteReader r = new ByteReader(body, 0, body.Length);
                int version = r.ReadU8("version");
                if (version != FormatVersion && version != FormatWithoutPattern)
                {
                    return;
                }

                uint seq = r.ReadU32("seq");
                int at = r.Skip(MeterTags.HashBytes, "hash");
                int count = r.ReadU8("models");
                ArrayList marks = new ArrayList();
                for (int i = 0; i < count; i++)
                {
                    string id = r.ReadString("model");
                    marks.Add(new ChainMark(id, r.ReadU64("up to")));
                }

                int unsent = r.ReadU16("unsent length");
                int from = r.Skip(unsent, "unsent");
                if (version == FormatVersion && _pattern != null && r.Remaining >= QueryPattern.StateBytes)
                {
                    _pattern.ReadState(r);
                }

                _seq = seq;
                Array.Copy(body, at, _hash, 0, MeterTags.HashBytes);
                for (int i = 0; i < marks.Count; i++)
                {
                    _marks.Add(marks[i]);
                }

                if (unsent > 0)
                {
                    _unsent = new byte[unsent];
                    Array.Copy(body, from, _unsent, 0, unsent);
                    _savedWithUnsent = true;
                }
            }
            catch (ModelFormatException)
            {
                // Whole (its CRC held) but not this format: start a new chain, which the host's ledger flags.
                _marks.Clear();
            }
        }
    }
}
