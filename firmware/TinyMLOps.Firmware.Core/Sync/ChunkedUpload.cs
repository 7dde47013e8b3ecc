using System;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// Sends a large artifact as non-droppable Chunk messages through the outbox. Nothing else is kept: after
    /// a disconnect or a reboot the outbox resends the chunks not yet acked, which is the resume.
    /// </summary>
    public sealed class ChunkedUpload
    {
        private readonly Outbox _outbox;
        private readonly int _chunkBytes;

        /// <param name="deviceId">Kept for callers; the outbox knows its device.</param>
        public ChunkedUpload(Outbox outbox, string deviceId, int chunkBytes)
        {
            if (chunkBytes < 1 || chunkBytes > ChunkPayload.MaxChunkBytes)
            {
                throw new ArgumentException("chunk size must be 1 to " + ChunkPayload.MaxChunkBytes);
            }

            _outbox = outbox;
            _chunkBytes = chunkBytes;
        }

        public int ChunkBytes
        {
            get { return _chunkBytes; }
        }

        public int ChunkCount(int length)
        {
            return length == 0 ? 1 : (length + _chunkBytes - 1) / _chunkBytes;
        }

        /// <summary>Outbox bytes the whole artifact takes as chunk entries.</summary>
        public int OutboxBytes(int length)
        {
            int count = ChunkCount(length);
            int overhead = new ChunkPayload().Encode().Length;
            return (count * _outbox.EntryBytes(overhead)) + length;
        }

        /// <summary>
        /// Enqueues every chunk, or none: refused up front (status Full or TooLarge) when the outbox could not
        /// hold them all even after evicting every droppable entry. The result carries the last chunk's sequence.
        /// </summary>
        public EnqueueResult Upload(uint transferId, int contentType, byte[] artifact, uint timestamp)
        {
            int count = ChunkCount(artifact.Length);
            if (count > ChunkPayload.MaxChunks)
            {
                return new EnqueueResult(EnqueueResult.TooLarge, 0, 0);
            }

            int needed = OutboxBytes(artifact.Length);
            if (needed > _outbox.SpaceFor(true))
            {
                int empty = _outbox.CapacityBytes - _outbox.ReservedBytes - Outbox.HeaderBytes;
                return new EnqueueResult(needed > empty ? EnqueueResult.TooLarge : EnqueueResult.Full, 0, 0);
            }

            uint crc = Crc32.Compute(artifact, 0, artifact.Length);
            EnqueueResult last = null;
            int evicted = 0;
            for (int i = 0; i < count; i++)
            {
                int offset = i * _chunkBytes;
                int length = artifact.Length - offset < _chunkBytes ? artifact.Length - offset : _chunkBytes;
                ChunkPayload chunk = new ChunkPayload();
                chunk.TransferId = transferId;
                chunk.ContentType = contentType;
                chunk.Index = i;
                chunk.Count = count;
                chunk.TotalLength = (uint)artifact.Length;
                chunk.ArtifactCrc = crc;
                chunk.Data = new byte[length];
                Array.Copy(artifact, offset, chunk.Data, 0, length);
                last = _outbox.Enqueue(MessageKind.Chunk, chunk.Encode(), timestamp, false);
                if (!last.Accepted)
                {
                    // Not expected after the check above; the chunks already queued still go out.
                    return last;
                }

                evicted += last.Evicted;
            }

            return new EnqueueResult(EnqueueResult.Ok, last.Sequence, evicted);
        }
    }
}
