using System;
using System.Collections;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// The durable, monotonic inference counter of every metered model. A count never waits for a flash write:
    /// a block of <see cref="MeterOptions.BlockSize"/> (N) values is reserved durably first (one record appended
    /// to the counter log), and counts inside it only move the counter in memory. After a restart the counter
    /// resumes at the reserved end, so the block in use is taken as used: a power loss never under-counts and
    /// over-counts at most N per model (0 after <see cref="Checkpoint"/>). Those blocks are marked
    /// <see cref="CounterRecord.Recovered"/> for the receipts.
    /// <para>
    /// The log is an append file of <see cref="RecordFormat"/> records (<see cref="CounterRecord"/> bodies). A torn
    /// append is cut off at open; the reservation it held was never used, since counting waits for the append.
    /// Past <see cref="MeterOptions.CounterLogCompactBytes"/> the log is rewritten with only the records the
    /// receipt chain still needs, to "name.tmp" and renamed over it (the same recovery as <see cref="SmallFile"/>).
    /// </para>
    /// </summary>
    public sealed class InferenceCounter
    {
        public const int RecordType = 1;

        private readonly WriteCountingStorage _storage;
        private readonly string _name;
        private readonly string _tempName;
        private readonly uint _bootCount;
        private readonly MeterOptions _options;
        private readonly ArrayList _models = new ArrayList();
        private int _fileBytes;

        public InferenceCounter(IStorage storage, string fileName, uint bootCount, MeterOptions options)
        {
            if (options.BlockSize < 1)
            {
                throw new ArgumentException("the block size must be at least 1");
            }

            _storage = new WriteCountingStorage(storage);
            _name = fileName;
            _tempName = SmallFile.TempName(fileName);
            _bootCount = bootCount;
            _options = options;
            Open();
        }

        /// <summary>Flash mutations made by the counter since it was opened.</summary>
        public int FlashWrites
        {
            get { return _storage.Writes; }
        }

        /// <summary>Blocks reserved since open.</summary>
        public int Reservations { get; private set; }

        /// <summary>Records appended since open (reservations, changes of variant or token, checkpoints).</summary>
        public int Appends { get; private set; }

        public int Compactions { get; private set; }

        /// <summary>Bytes of a torn or corrupt tail cut off at open.</summary>
        public int RepairedBytes { get; private set; }

        public int FileBytes
        {
            get { return _fileBytes; }
        }

        public int ModelCount
        {
            get { return _models.Count; }
        }

        public ModelCounter Model(int index)
        {
            return (ModelCounter)_models[index];
        }

        /// <summary>The counter of a model, or null when the model was never counted.</summary>
        public ModelCounter Find(string modelId)
        {
            for (int i = 0; i < _models.Count; i++)
            {
                ModelCounter m = (ModelCounter)_models[i];
                if (m.ModelId == modelId)
                {
                    return m;
                }
            }

            return null;
        }

        /// <summary>The value the next inference of the model gets (0 for a model never counted).</summary>
        public ulong Next(string modelId)
        {
            ModelCounter m = Find(modelId);
            return m == null ? 0 : m.Next;
        }

        /// <summary>Whether the model is counted already or there is room for it.</summary>
        public bool CanMeter(string modelId)
        {
            return IsValidId(modelId) && (Find(modelId) != null || _models.Count < _options.MaxModels);
        }

        /// <summary>The variant of the model's latest record, or null.</summary>
        public string LastVariant(string modelId)
        {
            ModelCounter m = Find(modelId);
            return m == null || m.Last == null ? null : m.Last.VariantId;
        }

        /// <summary>
        /// Makes sure the next value of the model is durably reserved, before the inference runs: appends one
        /// record when the block is used up, otherwise writes nothing.
        /// </summary>
        public void Reserve(string modelId, string variantId, uint tokenId, bool grace, uint unix)
        {
            ModelCounter m = FindOrAdd(modelId);
            if (m.Next < m.End)
            {
                return;
            }

            // The options may change at run time; a block is never empty, so the count below is always covered.
            int block = _options.BlockSize < 1 ? 1 : _options.BlockSize;
            Write(m, NewRecord(m, variantId, tokenId, grace, unix, m.Next + (ulong)block));
            Reservations++;
        }

        /// <summary>
        /// Counts one inference and returns its counter value. Inside a reserved block with the same variant, token
        /// and grace this writes nothing; a change of them appends a record (same reserved end).
        /// </summary>
        public ulong Count(string modelId, string variantId, uint tokenId, bool grace, uint unix)
        {
            if (!IsValidId(variantId))
            {
                throw new ArgumentException("a variant id of 1 to 255 bytes is required");
            }

            ModelCounter m = FindOrAdd(modelId);
            if (m.Next >= m.End)
            {
                Reserve(modelId, variantId, tokenId, grace, unix);
            }
            else if (!m.Last.SameKey(variantId, tokenId, grace))
            {
                Write(m, NewRecord(m, variantId, tokenId, grace, unix, m.End));
            }

            ulong value = m.Next;
            m.Next = value + 1;
            m.Last.LastUnix = unix;
            return value;
        }

        /// <summary>
        /// Gives back the unused rest of every reserved block (one record per model that has one), so that a
        /// planned restart or deep sleep over-counts nothing.
        /// </summary>
        public void Checkpoint(uint unix)
        {
            for (int i = 0; i < _models.Count; i++)
            {
                ModelCounter m = (ModelCounter)_models[i];
                CounterRecord last = m.Last;
                if (last != null && m.Next < m.End)
                {
                    Write(m, NewRecord(m, last.VariantId, last.TokenId, last.Grace, unix, m.Next));
                }
            }
        }

        /// <summary>
        /// Moves a model's counter up to at least floor (an empty record). Used when the receipt chain has receipted
        /// further than this log knows, e.g. after the log was lost: values are never counted twice.
        /// </summary>
        public void Raise(string modelId, ulong floor, uint unix)
        {
            ModelCounter m = FindOrAdd(modelId);
            if (m.Next >= floor)
            {
                return;
            }

            CounterRecord last = m.Last;
            m.Next = floor;
            Write(m, NewRecord(m, last == null ? modelId : last.VariantId, last == null ? 0 : last.TokenId, last != null && last.Grace, unix, floor));
        }

        /// <summary>Tells the counter what the chain durably receipted, so compaction may drop what is below it.</summary>
        public void MarkReceipted(string modelId, ulong upTo)
        {
            ModelCounter m = Find(modelId);
            if (m != null && upTo > m.Receipted)
            {
                m.Receipted = upTo;
            }
        }

        internal static bool IsValidId(string id)
        {
            return id != null && id.Length > 0 && System.Text.Encoding.UTF8.GetBytes(id).Length <= 255;
        }

        private ModelCounter FindOrAdd(string modelId)
        {
            ModelCounter m = Find(modelId);
            if (m != null)
            {
                return m;
            }

            if (!IsValidId(modelId))
            {
                throw new ArgumentException("a model id of 1 to 255 bytes is required");
            }

            if (_models.Count >= _options.MaxModels)
            {
                throw new ArgumentException("already metering " + _models.Count + " models, the limit");
            }

            m = new ModelCounter(modelId);
            _models.Add(m);
            return m;
        }

        private CounterRecord NewRecord(ModelCounter m, string variantId, uint tokenId, bool grace, uint unix, ulong end)
        {
            CounterRecord r = new CounterRecord();
            r.ModelId = m.ModelId;
            r.VariantId = variantId;
            r.Start = m.Next;
            r.End = end;
            r.TokenId = tokenId;
            r.Grace = grace;
            r.AfterOpen = !m.WrittenSinceOpen;
            r.Unix = unix;
            r.LastUnix = unix;
            r.BootCount = _bootCount;
            return r;
        }

        /// <summary>Appends a record, durably, then applies it in memory; compacts when the log has grown.</summary>
        private void Write(ModelCounter m, CounterRecord r)
        {
            byte[] body = r.Encode();
            byte[] framed = RecordFormat.Frame(RecordType, body, body.Length);
            _storage.Append(_name, framed, 0, framed.Length);
            _fileBytes += framed.Length;
            Appends++;
            m.Add(r);
            m.End = r.End;
            m.WrittenSinceOpen = true;
            if (_fileBytes > _options.CounterLogCompactBytes)
            {
                Compact(false);
            }
        }

        /// <summary>
        /// Rewrites the log with the records still needed. Unless forced, only when that at least halves it, so a
        /// log of mostly unreceipted records is not rewritten on every append.
        /// </summary>
        public void Compact(bool force)
        {
            int live = 0;
            for (int i = 0; i < _models.Count; i++)
            {
                ModelCounter m = (ModelCounter)_models[i];
                for (int k = 0; k < m.RecordCount; k++)
                {
                    if (k + 1 == m.RecordCount || m.EffectiveEnd(k) > m.Receipted)
                    {
                        live += RecordFormat.Overhead + m.Record(k).Encode().Length;
                    }
                }
            }

            if (!force && live * 2 > _fileBytes)
            {
                return;
            }

            byte[] image = new byte[live];
            int position = 0;
            for (int i = 0; i < _models.Count; i++)
            {
                ModelCounter m = (ModelCounter)_models[i];
                m.DropReceipted();
                for (int k = 0; k < m.RecordCount; k++)
                {
                    byte[] body = m.Record(k).Encode();
                    byte[] framed = RecordFormat.Frame(RecordType, body, body.Length);
                    Array.Copy(framed, 0, image, position, framed.Length);
                    position += framed.Length;
                }
            }

            if (_storage.Exists(_tempName))
            {
                _storage.Delete(_tempName);
            }

            _storage.WriteAll(_tempName, image);
            _storage.Rename(_tempName, _name);
            _fileBytes = live;
            Compactions++;
        }

        private void Open()
        {
            // Same temp-file rules as SmallFile: a temp next to the log is an unfinished compaction, a temp
            // alone is a finished one whose rename was cut after the old log was deleted.
            if (_storage.Exists(_tempName))
            {
                if (_storage.Exists(_name))
                {
                    _storage.Delete(_tempName);
                }
                else
                {
                    _storage.Rename(_tempName, _name);
                }
            }

            RecordReader reader = new RecordReader(_storage, _name, RecordFormat.MaxBody);
            int valid = 0;
            while (reader.Next())
            {
                // A record that is whole but not ours, or does not continue its model, ends the log like a torn one.
                CounterRecord r = reader.Type == RecordType ? CounterRecord.Decode(reader.Buffer, 4, reader.BodyLength) : null;
                if (r == null || !Load(r))
                {
                    break;
                }

                valid = reader.ValidLength;
            }

            int length = _storage.Length(_name);
            if (length > valid)
            {
                RepairedBytes = length - valid;
                _storage.Truncate(_name, valid);
            }

            _fileBytes = valid;
            for (int i = 0; i < _models.Count; i++)
            {
                ModelCounter m = (ModelCounter)_models[i];
                m.Next = m.End;
                for (int k = 0; k < m.RecordCount; k++)
                {
                    m.Record(k).Recovered = k + 1 == m.RecordCount || m.Record(k + 1).AfterOpen;
                }
            }
        }

        /// <summary>Adds a replayed record; false when it would move its model backwards.</summary>
        private bool Load(CounterRecord r)
        {
            ModelCounter m = Find(r.ModelId);
            if (m == null)
            {
                m = new ModelCounter(r.ModelId);
                _models.Add(m);
            }
            else if (r.Start < m.Last.Start)
            {
                return false;
            }

            m.Add(r);
            m.End = r.End;
            return true;
        }
    }
}
