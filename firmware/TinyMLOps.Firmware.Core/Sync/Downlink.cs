using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// Takes the downlink one message at a time for the <see cref="DeviceAgent"/>: checks topic and envelope, hands acks
    /// to the outbox, commands to the dispatcher (the result goes up) and model chunks to the downloads (their status goes
    /// up; a completed transfer is installed at once). With a downlink key, only messages whose envelope tag verifies are
    /// taken: anyone who can publish on the device's topics could otherwise ack entries away or run commands. Commands must
    /// also carry a downlink sequence above the last one taken (persisted), so a recorded command cannot be replayed; acks
    /// and chunks need no such check (a replayed ack covers only what the host stored; chunks are idempotent).
    /// </summary>
    public sealed class Downlink
    {
        private readonly SyncOptions _options;
        private readonly Outbox _outbox;
        private readonly IUplink _uplink;
        private readonly CommandDispatcher _commands;
        private readonly ChunkAssembler _downloads;
        private readonly IDownloadConsumer _installs;
        private readonly ILog _log;
        private readonly IStorage _storage;
        private uint _lastCommandSequence;

        public const string SequenceFile = "downlink.dat";

        public Downlink(SyncOptions options, Outbox outbox, IUplink uplink, CommandDispatcher commands, ChunkAssembler downloads, IDownloadConsumer installs, ILog log)
            : this(options, outbox, uplink, commands, downloads, installs, log, null)
        {
        }

        /// <param name="storage">Keeps the last command sequence taken across reboots, or null (kept in memory).</param>
        /// <param name="installs">Takes the completed downloads (the variant manager), or null: the device installs nothing.</param>
        public Downlink(SyncOptions options, Outbox outbox, IUplink uplink, CommandDispatcher commands, ChunkAssembler downloads, IDownloadConsumer installs, ILog log, IStorage storage)
        {
            _options = options;
            _storage = storage;
            byte[] saved = storage == null ? null : SmallFile.Read(storage, SequenceFile);
            if (saved != null && saved.Length == 4)
            {
                _lastCommandSequence = RecordFormat.GetU32(saved, 0);
            }

            _outbox = outbox;
            _uplink = uplink;
            _commands = commands;
            _downloads = downloads;
            _installs = installs;
            _log = log;
        }

        public int AcksReceived { get; private set; }

        /// <summary>Downlink messages ignored: malformed, for another device, or not a downlink kind.</summary>
        public int Rejected { get; private set; }

        /// <summary>Downlink messages ignored because their tag was missing or wrong, or a command was replayed.</summary>
        public int Unauthenticated { get; private set; }

        /// <summary>Takes one message; true when an install left the device waiting for another transfer (a hello should follow).</summary>
        public bool Take(InboundMessage inbound)
        {
            try
            {
                return Handle(inbound);
            }
            catch (ProtocolException e)
            {
                Reject(e.Message);
                return false;
            }
        }

        /// <summary>The link came up: a download left half done says what it misses, so the host resends that.</summary>
        public void Connected()
        {
            if (_downloads.Active && !_downloads.IsComplete)
            {
                EnqueueChunkStatus();
            }
        }

        private bool Handle(InboundMessage inbound)
        {
            TopicInfo topic = Topics.Parse(inbound.Topic);
            if (topic == null || topic.Uplink || topic.Fleet != _options.Fleet || topic.DeviceId != _options.DeviceId)
            {
                Reject("topic " + inbound.Topic);
                return false;
            }

            Message message = WireCodec.Decode(inbound.Payload);
            if (message.Kind != topic.Kind || message.DeviceId != _options.DeviceId || !MessageKind.IsDownlink(message.Kind))
            {
                Reject("envelope of kind " + message.Kind + " for " + message.DeviceId + " on " + inbound.Topic);
                return false;
            }

            byte[] key = _options.DownlinkKey;
            if (key != null && !WireCodec.Verify(inbound.Payload, key))
            {
                Unauthenticated++;
                Reject((message.Authenticated ? "wrong tag on " : "no tag on ") + MessageKind.Name(message.Kind) + " " + message.Sequence);
                return false;
            }

            if (key != null && message.Kind == MessageKind.Command)
            {
                if (message.Sequence <= _lastCommandSequence)
                {
                    Unauthenticated++;
                    Reject("command " + message.Sequence + " replayed (last taken " + _lastCommandSequence + ")");
                    return false;
                }

                KeepCommandSequence(message.Sequence);
            }

            if (message.Kind == MessageKind.Ack)
            {
                AcksReceived++;
                _outbox.Acknowledge(AckPayload.Decode(message.Payload));
            }
            else if (message.Kind == MessageKind.Command)
            {
                CommandResultPayload result = _commands.Dispatch(CommandPayload.Decode(message.Payload));
                EnqueueResult queued = _uplink.Enqueue(MessageKind.CommandResult, result.Encode(), false);
                if (!queued.Accepted)
                {
                    _log.Error("command " + result.CommandId + ": result refused by the outbox (" + EnqueueResult.StatusName(queued.Status) + ")");
                }
            }
            else if (message.Kind == MessageKind.DownChunk)
            {
                return TakeChunk(ChunkPayload.Decode(message.Payload));
            }

            return false;
        }

        private bool TakeChunk(ChunkPayload chunk)
        {
            int result = _downloads.Accept(chunk);
            if (result == ChunkAssembler.Rejected && _installs != null && _installs.ShouldReplaceDownload(chunk.TransferId))
            {
                _log.Warn("dropping download " + _downloads.TransferId + ", which nothing waits for, for transfer " + chunk.TransferId);
                _downloads.Abandon();
                result = _downloads.Accept(chunk);
            }

            // The host needs to hear when a transfer ends, fails, or reaches its last chunk with gaps; this goes
            // first because an install frees the download, and with it the status.
            if (result != ChunkAssembler.Stored || chunk.Index == chunk.Count - 1)
            {
                EnqueueChunkStatus();
            }

            if (result != ChunkAssembler.Completed)
            {
                return false;
            }

            _log.Info("transfer " + chunk.TransferId + " complete");

            // Install now: a chunk of the next transfer, later in this drain, would replace the download.
            return _installs != null && _installs.InstallAndReport();
        }

        private void KeepCommandSequence(uint sequence)
        {
            _lastCommandSequence = sequence;
            if (_storage != null)
            {
                byte[] body = new byte[4];
                RecordFormat.PutU32(body, 0, sequence);
                SmallFile.Write(_storage, SequenceFile, body, 4);
            }
        }

        private void Reject(string why)
        {
            Rejected++;
            _log.Warn("downlink ignored: " + why);
        }

        private void EnqueueChunkStatus()
        {
            ChunkStatusPayload status = _downloads.Status();
            if (status != null)
            {
                _uplink.Enqueue(MessageKind.ChunkStatus, status.Encode(), true);
            }
        }
    }
}
