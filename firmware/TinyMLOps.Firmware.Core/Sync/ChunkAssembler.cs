using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// Receives a downlink artifact (a model) chunk by chunk into "name.part", a log of <see cref="RecordFormat"/>
    /// records: the transfer identity (type 1: transfer id u32, content type u8, count u16, total length u32,
    /// artifact CRC u32), one record per chunk received (type 2: index u16, data), and a completion mark
    /// (type 3). The received bitmap is the set of chunk records, rebuilt on open, so a transfer resumes after
    /// a disconnect or a reboot; a torn tail is cut. When every chunk is in, the artifact is written in index
    /// order to "name.bin" (through a temp file and a rename), checked against the transfer's CRC-32, and the
    /// log is replaced by identity + completion mark. One transfer at a time: chunks of another transfer are
    /// rejected until the current one completes (or <see cref="Abandon"/> is called).
    /// </summary>
    public sealed class ChunkAssembler
    {
        public const int Stored = 0;
        public const int Duplicate = 1;
        public const int Completed = 2;

        /// <summary>Another transfer is in progress, or the chunk's identity disagrees with this one's.</summary>
        public const int Rejected = 3;

        /// <summary>The chunk's data length does not fit the transfer's layout.</summary>
        public const int BadLength = 4;

        /// <summary>Every chunk arrived but the artifact's CRC-32 is wrong; the transfer restarts from nothing.</summary>
        public const int CrcMismatch = 5;

        /// <summary>More chunks than this device accepts.</summary>
        public const int TooLarge = 6;

        public const int DefaultMaxChunks = 1024;

        private const int TypeIdentity = 1;
        private const int TypeChunk = 2;
        private const int TypeComplete = 3;
        private const int IdentityBody = 15;
        private const int MaxBody = 2 + ChunkPayload.MaxChunkBytes;

        private readonly IStorage _storage;
        private readonly string _partName;
        private readonly string _partTemp;
        private readonly string _artifactName;
        private readonly string _artifactTemp;
        private readonly int _maxChunks;
        private byte[] _bitmap;
        private int[] _offsets;
        private int _chunkBytes;
        private int _fileBytes;
        private bool _active;

        public ChunkAssembler(IStorage storage, string name, int maxChunks)
        {
            _storage = storage;
            _partName = name + ".part";
            _partTemp = name + ".part.tmp";
            _artifactName = name + ".bin";
            _artifactTemp = name + ".bin.tmp";
            _maxChunks = maxChunks < 1 || maxChunks > ChunkPayload.MaxChunks ? ChunkPayload.MaxChunks : maxChunks;
            Open();
        }

        /// <summary>True while a transfer is known (receiving or complete).</summary>
        public bool Active
        {
            get { return _active; }
        }

        public bool IsComplete { get; private set; }

        public uint TransferId { get; private set; }

        public int ContentType { get; private set; }

        public int Count { get; private set; }

        public uint TotalLength { get; private set; }

        public uint ArtifactCrc { get; private set; }

        public int ReceivedCount { get; private set; }

        /// <summary>Chunks refused (identity, length, size) since boot.</summary>
        public int RejectedCount { get; private set; }

        /// <summary>Transfers whose assembled artifact failed the CRC check, since boot.</summary>
        public int FailedCount { get; private set; }

        /// <summary>Where a completed artifact is.</summary>
        public string ArtifactFile
        {
            get { return _artifactName; }
        }

        public bool Has(int index)
        {
            return _bitmap != null && (_bitmap[index >> 3] & (1 << (index & 7))) != 0;
        }

        /// <summary>Progress on the current transfer for the host, or null when there is none.</summary>
        public ChunkStatusPayload Status()
        {
            if (!_active)
            {
                return null;
            }

            ChunkStatusPayload s = new ChunkStatusPayload();
            s.TransferId = TransferId;
            s.Count = Count;
            s.Complete = IsComplete;
            s.Received = new byte[_bitmap.Length];
            Array.Copy(_bitmap, 0, s.Received, 0, _bitmap.Length);
            return s;
        }

        /// <summary>The completed artifact, or null.</summary>
        public byte[] ReadArtifact()
        {
            return IsComplete ? _storage.ReadAll(_artifactName) : null;
        }

        /// <summary>Stores one chunk; returns one of the result constants.</summary>
        public int Accept(ChunkPayload chunk)
        {
            if (!_active || (IsComplete && chunk.TransferId != TransferId))
            {
                if (chunk.Count > _maxChunks)
                {
                    RejectedCount++;
                    return TooLarge;
                }

                Start(chunk);
            }

            if (chunk.TransferId != TransferId || chunk.ContentType != ContentType || chunk.Count != Count
                || chunk.TotalLength != TotalLength || chunk.ArtifactCrc != ArtifactCrc)
            {
                RejectedCount++;
                return Rejected;
            }

            if (IsComplete || Has(chunk.Index))
            {
                return Duplicate;
            }

            if (!FitsLayout(chunk.Index, chunk.Data.Length))
            {
                RejectedCount++;
                return BadLength;
            }

            byte[] body = new byte[2 + chunk.Data.Length];
            RecordFormat.PutU16(body, 0, chunk.Index);
            Array.Copy(chunk.Data, 0, body, 2, chunk.Data.Length);
            byte[] record = RecordFormat.Frame(TypeChunk, body, body.Length);
            _storage.Append(_partName, record, 0, record.Length);
            Mark(chunk.Index, _fileBytes);
            _fileBytes += record.Length;
            if (ReceivedCount == Count)
            {
                return Finish() ? Completed : CrcMismatch;
            }

            return Stored;
        }

        /// <summary>Forgets the current transfer and its files (the artifact of a completed one stays).</summary>
        public void Abandon()
        {
            Delete(_partName);
            Delete(_partTemp);
            _active = false;
            IsComplete = false;
            _bitmap = null;
            _offsets = null;
            ReceivedCount = 0;
        }

        private void Start(ChunkPayload chunk)
        {
            Delete(_partName);
            Delete(_partTemp);
            byte[] identity = IdentityRecord(chunk.TransferId, chunk.ContentType, chunk.Count, chunk.TotalLength, chunk.ArtifactCrc);
            _storage.Append(_partName, identity, 0, identity.Length);
            SetIdentity(chunk.TransferId, chunk.ContentType, chunk.Count, chunk.TotalLength, chunk.ArtifactCrc);
            _fileBytes = identity.Length;
        }

        private void SetIdentity(uint transferId, int contentType, int count, uint totalLength, uint crc)
        {
            TransferId = transferId;
            ContentType = contentType;
            Count = count;
            TotalLength = totalLength;
            ArtifactCrc = crc;
            _bitmap = new byte[(count + 7) / 8];
            _offsets = new int[count];
            _chunkBytes = 0;
            ReceivedCount = 0;
            IsComplete = false;
            _active = true;
        }

        /// <summary>
        /// Every chunk but the last has the same length S, the last holds the rest (1 to S bytes, or 0 for an
        /// empty artifact). S is learnt from the first chunk that reveals it.
        /// </summary>
        private bool FitsLayout(int index, int length)
        {
            long total = TotalLength;
            if (Count == 1)
            {
                return length == total;
            }

            int size = _chunkBytes;
            if (size == 0)
            {
                if (index < Count - 1)
                {
                    size = length;
                }
                else if ((total - length) % (Count - 1) == 0)
                {
                    size = (int)((total - length) / (Count - 1));
                }
                else
                {
                    return false;
                }
            }

            long last = total - ((long)(Count - 1) * size);
            bool fits = size > 0 && last >= 1 && last <= size && length == (index < Count - 1 ? size : last);
            if (fits)
            {
                _chunkBytes = size;
            }

            return fits;
        }

        private void Mark(int index, int offset)
        {
            if (!Has(index))
            {
                ReceivedCount++;
            }

            _bitmap[index >> 3] |= (byte)(1 << (index & 7));
            _offsets[index] = offset;
        }

        /// <summary>Writes the artifact in index order and checks it; false (and a restart) on a CRC mismatch.</summary>
        private bool Finish()
        {
            Delete(_artifactTemp);
            uint crc = Crc32.Start();
            byte[] buffer = new byte[64];
            for (int i = 0; i < Count; i++)
            {
                int length = i < Count - 1 ? _chunkBytes : (int)(TotalLength - ((uint)(Count - 1) * (uint)_chunkBytes));
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                if (_storage.Read(_partName, _offsets[i] + 6, buffer, 0, length) != length)
                {
                    throw new ArgumentException("chunk " + i + " is not in " + _partName);
                }

                crc = Crc32.Update(crc, buffer, 0, length);
                _storage.Append(_artifactTemp, buffer, 0, length);
            }

            if (TotalLength == 0)
            {
                _storage.WriteAll(_artifactTemp, new byte[0]);
            }

            if (Crc32.Finish(crc) != ArtifactCrc)
            {
                FailedCount++;
                Delete(_artifactTemp);
                uint id = TransferId;
                int type = ContentType;
                int count = Count;
                uint total = TotalLength;
                uint expected = ArtifactCrc;
                Start(new ChunkPayload { TransferId = id, ContentType = type, Count = count, TotalLength = total, ArtifactCrc = expected });
                return false;
            }

            _storage.Rename(_artifactTemp, _artifactName);
            byte[] identity = IdentityRecord(TransferId, ContentType, Count, TotalLength, ArtifactCrc);
            byte[] complete = RecordFormat.Frame(TypeComplete, new byte[0], 0);
            Delete(_partTemp);
            _storage.Append(_partTemp, identity, 0, identity.Length);
            _storage.Append(_partTemp, complete, 0, complete.Length);
            _storage.Rename(_partTemp, _partName);
            _fileBytes = identity.Length + complete.Length;
            IsComplete = true;
            return true;
        }

        private static byte[] IdentityRecord(uint transferId, int contentType, int count, uint total, uint crc)
        {
            byte[] body = new byte[IdentityBody];
            RecordFormat.PutU32(body, 0, transferId);
            body[4] = (byte)contentType;
            RecordFormat.PutU16(body, 5, count);
            RecordFormat.PutU32(body, 7, total);
            RecordFormat.PutU32(body, 11, crc);
            return RecordFormat.Frame(TypeIdentity, body, body.Length);
        }

        private void Open()
        {
            if (_storage.Exists(_partName))
            {
                Delete(_partTemp);
            }
            else if (_storage.Exists(_partTemp))
            {
                _storage.Rename(_partTemp, _partName);
            }

            if (!_storage.Exists(_partName))
            {
                Delete(_artifactTemp);
                return;
            }

            RecordReader reader = new RecordReader(_storage, _partName, MaxBody);
            int end = 0;
            bool complete = false;
            while (!complete && reader.Next())
            {
                byte[] b = reader.Buffer;
                if (!_active)
                {
                    if (reader.Type != TypeIdentity || reader.BodyLength != IdentityBody)
                    {
                        break;
                    }

                    int count = RecordFormat.GetU16(b, 9);
                    if (count < 1 || count > _maxChunks)
                    {
                        break;
                    }

                    SetIdentity(RecordFormat.GetU32(b, 4), b[8], count, RecordFormat.GetU32(b, 11), RecordFormat.GetU32(b, 15));
                }
                else if (reader.Type == TypeChunk && reader.BodyLength >= 2)
                {
                    int index = RecordFormat.GetU16(b, 4);
                    if (index >= Count || Has(index) || !FitsLayout(index, reader.BodyLength - 2))
                    {
                        break;
                    }

                    Mark(index, reader.Offset);
                }
                else if (reader.Type == TypeComplete)
                {
                    complete = true;
                }
                else
                {
                    break;
                }

                end = reader.ValidLength;
            }

            if (!_active)
            {
                Delete(_partName);
                Delete(_artifactTemp);
                return;
            }

            if (end < reader.FileLength)
            {
                _storage.Truncate(_partName, end);
            }

            _fileBytes = end;
            if (complete)
            {
                // A completion mark is written only after the artifact's rename.
                Delete(_artifactTemp);
                SetAllReceived();
                IsComplete = _storage.Exists(_artifactName);
                if (!IsComplete)
                {
                    Abandon();
                }
            }
            else if (ReceivedCount == Count)
            {
                // Cut between the last chunk and the completion mark: finish again (it is idempotent).
                Finish();
            }
            else
            {
                Delete(_artifactTemp);
            }
        }

        private void SetAllReceived()
        {
            for (int i = 0; i < Count; i++)
            {
                _bitmap[i >> 3] |= (byte)(1 << (i & 7));
            }

            ReceivedCount = Count;
        }

        private void Delete(string name)
        {
            if (_storage.Exists(name))
            {
                _storage.Delete(name);
            }
        }
    }
}
