using System;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Telemetry;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// The device's sync loop, one non-blocking step per <see cref="Poll"/>: (re)connect with backoff when the
    /// power policy allows, take the downlink (acks, commands, model chunks), enqueue heartbeats and drop
    /// reports, and publish the outbox oldest first with a bounded number of unacked messages in flight.
    /// Everything uplink goes through the outbox, so nothing is lost to a dropped link or a reboot; the host
    /// deduplicates the resends by (device, sequence).
    /// </summary>
    public sealed class DeviceAgent
    {
        public const string OutboxFile = "outbox.log";
        public const string CommandsFile = "commands.dat";
        public const string BootFile = "boot.dat";
        public const string DownloadName = "download";

        /// <summary>Downlink messages taken per poll, so one poll stays short.</summary>
        public const int MaxInboundPerPoll = 64;

        private readonly DeviceConfig _config;
        private readonly ITransport _transport;
        private readonly IClock _clock;
        private readonly IPower _power;
        private readonly ILog _log;
        private readonly Backoff _backoff;
        private readonly string _downFilter;
        private bool _connected;
        private long _nextConnectAt;
        private long _nextHeartbeatAt;
        private bool _shownAlarm;
        private IStatusIndicator _shownOn;
        private IMemoryInfo _memory;
        private long _lastInferenceMillis;
        private bool _driftAllowed = true;
        private bool _learningAllowed = true;
        private bool _telemetryAllowed = true;

        public DeviceAgent(DeviceConfig config, ITransport transport, IStorage storage, IClock clock, IPower power, ILog log, Random random)
        {
            if (!WireCodec.IsValidDeviceId(config.DeviceId) || !WireCodec.IsValidDeviceId(config.Fleet))
            {
                throw new ArgumentException("device id and fleet must be 1 to 32 of A-Z a-z 0-9 - _ .");
            }

            _config = config;
            _transport = transport;
            _clock = clock;
            _power = power;
            _log = log;
            _downFilter = Topics.DownFilter(config.Fleet, config.DeviceId);
            BootCount = CountBoot(storage);
            Outbox = new Outbox(storage, OutboxFile, config.DeviceId, config.OutboxCapacityBytes);
            Commands = new CommandDispatcher(storage, CommandsFile, CommandDispatcher.DefaultRemembered);
            Downloads = new ChunkAssembler(storage, DownloadName, ChunkAssembler.DefaultMaxChunks);
            Uploads = new ChunkedUpload(Outbox, config.DeviceId, ChunkPayload.MaxChunkBytes);
            Policy = new PowerPolicy(config.MinBatteryPercent, PowerPolicy.DefaultHeavyWorkMinBatteryPercent);
            _backoff = new Backoff(config.BackoffInitialMillis, config.BackoffMaxMillis, random, Backoff.FullJitter);
            _nextHeartbeatAt = clock.UptimeMillis + (config.HeartbeatIntervalSeconds * 1000L);
            if (config.ArtifactKey != null && config.ArtifactKey.Length > 0)
            {
                Variants = new VariantManager(storage, config.ArtifactKey, config.ArtifactCipher, config.RequireSealedModels, Downloads, power, clock, log, config.VariantDwellSeconds * 1000L, config.VariantLowBatteryPercent);
                Commands.Register(VariantAssignment.CommandName, Variants);
                Commands.Register(VariantRollback.CommandName, new VariantRollbackHandler(Variants));
                Meter = new DeviceMeter(storage, config.DeviceId, config.ArtifactKey, BootCount, clock, new AgentReceiptSink(this), new MeterOptions());
                Commands.Register(QuotaToken.CommandName, Meter.Quota);
                Learning = new FederatedClient(storage, Variants.Store, Uploads, config.DeviceId, clock, log, config.Learning);
                Commands.Register(RoundInvite.CommandName, Learning);
            }

            Health = new HealthWindow(config.HealthWindowSeconds * 1000L);
            Telemetry = new OpsTelemetry(clock);

            if (Outbox.RepairedBytes > 0)
            {
                log.Warn("outbox: cut " + Outbox.RepairedBytes + " bytes of a torn write");
            }

            // Data queued under an earlier consent that now denies it (reprovisioned, or revoked before a power cut) never goes out.
            Consent = new ConsentPolicy(storage, config.ConsentSettings);
            WithdrawDenied();
            ApplyConsent();
        }

        /// <summary>
        /// The device's consent to optional uploads (drift windows, federated learning, heartbeat telemetry); service
        /// traffic (hello, heartbeat basics, acks, receipts, variant switches, model health, command results, chunk
        /// status, drop reports) is never subject to it. Change the user's grants through <see cref="GrantConsent"/>.
        /// </summary>
        public ConsentPolicy Consent { get; private set; }

        /// <summary>The board's link, asked whether it is metered (consent "wifi"); null: not metered.</summary>
        public INetwork Network { get; set; }

        /// <summary>Whether the heartbeat may carry its telemetry section now (consent for telemetry, as of the last poll).</summary>
        public bool TelemetryAllowed
        {
            get { return _telemetryAllowed; }
        }

        /// <summary>Drift windows finished while consent for drift did not allow them, discarded since boot.</summary>
        public int DriftWindowsWithheld { get; private set; }

        /// <summary>
        /// The user grants a consent category on the device (a button or local UI of the board app, the virtual fleet);
        /// persisted. A change is reported to the host with a new hello.
        /// </summary>
        public void GrantConsent(int category)
        {
            if (Consent.Grant(category))
            {
                ConsentChanged(category, "granted");
            }
        }

        /// <summary>
        /// The user takes a grant back; persisted. When that denies the category, its data still queued in the outbox is
        /// withdrawn before it is sent (usage receipts are never touched) and a pending round is dropped.
        /// </summary>
        public void RevokeConsent(int category)
        {
            if (Consent.Revoke(category))
            {
                ConsentChanged(category, "revoked");
            }
        }

        public Outbox Outbox { get; private set; }

        public CommandDispatcher Commands { get; private set; }

        public ChunkAssembler Downloads { get; private set; }

        public ChunkedUpload Uploads { get; private set; }

        public PowerPolicy Policy { get; private set; }

        /// <summary>Variant assignments, model slots per role and role selection; null without an artifact key.</summary>
        public VariantManager Variants { get; private set; }

        /// <summary>Where the app records each inference's variant, confidence and errors; windows go up as model-health.</summary>
        public HealthWindow Health { get; private set; }

        /// <summary>
        /// Drift histograms of the serving model; the app sets it when it loads a model that carries a profile
        /// (<see cref="DriftMonitor.ForModel"/>, null otherwise) and calls Observe after each inference. Finished windows go up as drift.
        /// </summary>
        public DriftMonitor Drift { get; set; }

        /// <summary>Inferences, latency, memory and energy per variant since boot, for the heartbeat's telemetry section.</summary>
        public OpsTelemetry Telemetry { get; private set; }

        /// <summary>Shows the drift alarm (the status LED on a board); null shows nothing.</summary>
        public IStatusIndicator Indicator { get; set; }

        /// <summary>Free heap and flash for the hello (and to size local training); null reports 0 (unknown).</summary>
        public IMemoryInfo Memory
        {
            get
            {
                return _memory;
            }

            set
            {
                _memory = value;
                Telemetry.Memory = value;
                if (Learning != null)
                {
                    Learning.Memory = value;
                }
            }
        }

        /// <summary>Federated rounds: labelled samples, local training, delta uploads; null without an artifact key.</summary>
        public FederatedClient Learning { get; private set; }

        /// <summary>The user feedback that labels samples for <see cref="ObserveFeedback"/>; null: the device gets no labels.</summary>
        public IFeedback Feedback { get; set; }

        /// <summary>Seconds since the last inference the app reported (or since boot): rounds may wait for idle time.</summary>
        public long IdleSeconds
        {
            get { return (_clock.UptimeMillis - _lastInferenceMillis) / 1000; }
        }

        /// <summary>Metered inference (counters, usage receipts, quota tokens); null without an artifact key.</summary>
        public DeviceMeter Meter { get; private set; }

        public bool IsConnected
        {
            get { return _connected; }
        }

        public uint BootCount { get; private set; }

        /// <summary>Inferences since first boot; the app counts them, heartbeats report them.</summary>
        public uint Inferences { get; set; }

        public int ConnectAttempts { get; private set; }

        public int Connects { get; private set; }

        public int LinkDrops { get; private set; }

        public int Publishes { get; private set; }

        public int Resends { get; private set; }

        public int AcksReceived { get; private set; }

        /// <summary>Downlink messages ignored: malformed, for another device, or not a downlink kind.</summary>
        public int RejectedDownlinks { get; private set; }

        /// <summary>Uptime at which the next connect may be tried.</summary>
        public long NextConnectAtMillis
        {
            get { return _nextConnectAt; }
        }

        /// <summary>Counts an inference of the configured model; with a meter, for the serving variant (call Meter.Decide before it runs).</summary>
        public void CountInference()
        {
            Inferences++;
            _lastInferenceMillis = _clock.UptimeMillis;
            if (Meter != null && _config.ModelId != null && _config.ModelId.Length > 0)
            {
                string variant = Variants == null ? null : Variants.ServingVariantId;
                Meter.Count(_config.ModelId, variant == null || variant.Length == 0 ? _config.ModelId : variant, _clock.UnixSeconds);
            }
        }

        /// <summary>One inference of the serving model, with its top-1 confidence in 1/65535 (<see cref="Classifier.TopConfidence"/>), for the model-health windows.</summary>
        public void ObserveInference(string variantId, int confidence)
        {
            _lastInferenceMillis = _clock.UptimeMillis;
            Health.Record(variantId, ServingRole(), confidence, _clock.UptimeMillis);
        }

        /// <summary>A failed load or inference of a model, for the model-health windows.</summary>
        public void ObserveError(string variantId)
        {
            _lastInferenceMillis = _clock.UptimeMillis;
            Health.RecordError(variantId, ServingRole(), _clock.UptimeMillis);
        }

        /// <summary>
        /// A labelled sample for local training: the features the classifier's tap captured for the sample just classified
        /// (<see cref="FederatedClient.UseModel"/>) and its true class. False when the device does not learn or cannot use it.
        /// </summary>
        public bool ObserveLabel(sbyte[] features, int label)
        {
            return Learning != null && Learning.AddSample(features, 0, label);
        }

        /// <summary>After a classification with the tap set: stores the sample when <see cref="Feedback"/> has a label for it.</summary>
        public bool ObserveFeedback(sbyte[] features)
        {
            IFeedback feedback = Feedback;
            int label;
            return feedback != null && feedback.TryTakeLabel(out label) && ObserveLabel(features, label);
        }

        private ModelRole ServingRole()
        {
            return Variants == null ? ModelRole.None : Variants.ServingRole;
        }

        public EnqueueResult Enqueue(int kind, byte[] payload, bool droppable)
        {
            return Outbox.Enqueue(kind, payload, _clock.UnixSeconds, droppable);
        }

        public void Poll()
        {
            long now = _clock.UptimeMillis;
            ApplyConsent();
            if (_connected && !_transport.IsConnected)
            {
                LinkLost(now, "transport disconnected");
            }

            bool maySync = Policy.MaySync(_power);
            if (!_connected && maySync && now >= _nextConnectAt)
            {
                TryConnect(now);
            }
            else if (_connected && !maySync)
            {
                // Save the battery: the outbox keeps everything until power allows again.
                _transport.Disconnect();
                _connected = false;
                _nextConnectAt = now;
                _log.Info("sync paused by the power policy");
            }

            if (_connected)
            {
                DrainInbound();
            }

            if (Variants != null)
            {
                ReportVariants();
            }

            for (ModelHealthPayload health = Health.Take(now); health != null; health = Health.Take(now))
            {
                Enqueue(MessageKind.ModelHealth, health.Encode(), true);
            }

            if (Drift != null)
            {
                EnqueueDriftWindows(now);
            }

            ShowAlarm();

            if (Meter != null)
            {
                Meter.Poll(_clock.UnixSeconds);
            }

            if (Learning != null)
            {
                // Before publishing, so an update queued now goes out in this poll.
                Learning.Poll(_clock.UnixSeconds, _power.Source == PowerSource.External, Policy.MayDoHeavyWork(_power), IdleSeconds);
            }

            if (now >= _nextHeartbeatAt)
            {
                EnqueueHeartbeat(now);
                _nextHeartbeatAt = now + (_config.HeartbeatIntervalSeconds * 1000L);
            }

            if (Outbox.HasDropReport)
            {
                Outbox.EnqueueDropReport(_clock.UnixSeconds);
            }

            if (_connected)
            {
                PublishPending(now);
            }
        }

        private void EnqueueDriftWindows(long now)
        {
            string variant = Drift.VariantId;
            if ((variant == null || variant.Length == 0) && Variants != null)
            {
                variant = Variants.ServingVariantId;
            }

            if (variant == null || variant.Length == 0)
            {
                variant = _config.ModelId;
            }

            for (DriftPayload window = Drift.TakeWindow(now, variant); window != null; window = Drift.TakeWindow(now, variant))
            {
                if (!_driftAllowed)
                {
                    // Droppable by nature: a window taken while consent does not allow it is discarded, never queued.
                    DriftWindowsWithheld++;
                    continue;
                }

                Enqueue(MessageKind.Drift, window.Encode(), true);
            }
        }

        /// <summary>Tells the indicator when the alarm changes (or a new indicator is set), so a blink pattern is not restarted every poll.</summary>
        private void ShowAlarm()
        {
            IStatusIndicator indicator = Indicator;
            bool alarm = Drift != null && Drift.Alarm;
            if (indicator != null && (alarm != _shownAlarm || indicator != _shownOn))
            {
                indicator.SetAlarm(alarm);
            }

            _shownAlarm = alarm;
            _shownOn = indicator;
        }

        private void TryConnect(long now)
        {
            ConnectAttempts++;
            if (_transport.Connect() && _transport.Subscribe(_downFilter))
            {
                _connected = true;
                Connects++;
                _backoff.Reset();
                for (int i = 0; i < Outbox.PendingCount; i++)
                {
                    Outbox.GetPending(i).SentAtMillis = -1;
                }

                EnqueueHello();
                if (Meter != null)
                {
                    // Usage counted so far goes up with this sync.
                    Meter.Flush(_clock.UnixSeconds);
                }

                if (Downloads.Active && !Downloads.IsComplete)
                {
                    EnqueueChunkStatus();
                }

                _log.Info("connected (" + Outbox.PendingCount + " pending)");
                return;
            }

            _transport.Disconnect();
            _nextConnectAt = now + _backoff.NextDelayMillis();
        }

        private void LinkLost(long now, string why)
        {
            _transport.Disconnect();
            _connected = false;
            LinkDrops++;
            _nextConnectAt = now + _backoff.NextDelayMillis();
            _log.Warn("link lost: " + why);
        }

        private void DrainInbound()
        {
            for (int n = 0; n < MaxInboundPerPoll; n++)
            {
                InboundMessage inbound = _transport.Receive();
                if (inbound == null)
                {
                    return;
                }

                try
                {
                    Handle(inbound);
                }
                catch (ProtocolException e)
                {
                    Reject(e.Message);
                }
            }
        }

        private void Handle(InboundMessage inbound)
        {
            TopicInfo topic = Topics.Parse(inbound.Topic);
            if (topic == null || topic.Uplink || topic.Fleet != _config.Fleet || topic.DeviceId != _config.DeviceId)
            {
                Reject("topic " + inbound.Topic);
                return;
            }

            Message message = WireCodec.Decode(inbound.Payload);
            if (message.Kind != topic.Kind || message.DeviceId != _config.DeviceId || !MessageKind.IsDownlink(message.Kind))
            {
                Reject("envelope of kind " + message.Kind + " for " + message.DeviceId + " on " + inbound.Topic);
                return;
            }

            if (message.Kind == MessageKind.Ack)
            {
                AcksReceived++;
                Outbox.Acknowledge(AckPayload.Decode(message.Payload));
            }
            else if (message.Kind == MessageKind.Command)
            {
                CommandResultPayload result = Commands.Dispatch(CommandPayload.Decode(message.Payload));
                EnqueueResult queued = Enqueue(MessageKind.CommandResult, result.Encode(), false);
                if (!queued.Accepted)
                {
                    _log.Error("command " + result.CommandId + ": result refused by the outbox (" + EnqueueResult.StatusName(queued.Status) + ")");
                }
            }
            else if (message.Kind == MessageKind.DownChunk)
            {
                ChunkPayload chunk = ChunkPayload.Decode(message.Payload);
                int result = Downloads.Accept(chunk);
                if (result == ChunkAssembler.Rejected && Variants != null && Variants.ShouldReplaceDownload(chunk.TransferId))
                {
                    _log.Warn("dropping download " + Downloads.TransferId + ", which nothing waits for, for transfer " + chunk.TransferId);
                    Downloads.Abandon();
                    result = Downloads.Accept(chunk);
                }
                // The host needs to hear when a transfer ends, fails, or reaches its last chunk with gaps; this goes
                // first because an install frees the download, and with it the status.
                if (result != ChunkAssembler.Stored || chunk.Index == chunk.Count - 1)
                {
                    EnqueueChunkStatus();
                }

                if (result == ChunkAssembler.Completed)
                {
                    _log.Info("transfer " + chunk.TransferId + " complete");
                    if (Variants != null)
                    {
                        // Install now: a chunk of the next transfer, later in this drain, would replace the download.
                        ReportVariants();
                    }
                }
            }
        }

        /// <summary>
        /// Installs assigned variants whose download is complete and queues one variant-switch message per install,
        /// rejection and role switch (never dropped). After an install, a device that still waits for another
        /// assigned transfer says hello again, which makes the host resend that transfer's missing chunks (they
        /// were refused while this one was in progress).
        /// </summary>
        private void ReportVariants()
        {
            bool installed = false;
            for (int n = 0; n < 3; n++)
            {
                VariantSwitchPayload report = Variants.Step();
                if (report == null)
                {
                    break;
                }

                EnqueueResult queued = Enqueue(MessageKind.VariantSwitch, report.Encode(), false);
                if (!queued.Accepted)
                {
                    _log.Error("variant-switch refused by the outbox (" + EnqueueResult.StatusName(queued.Status) + ")");
                }

                Variants.Commit();
                installed |= report.Reason == VariantSwitchPayload.ReasonInstalled || report.Reason == VariantSwitchPayload.ReasonRejected;
            }

            if (installed && _connected && Variants.AwaitingTransfer)
            {
                EnqueueHello();
            }
        }

        private void Reject(string why)
        {
            RejectedDownlinks++;
            _log.Warn("downlink ignored: " + why);
        }

        private void PublishPending(long now)
        {
            long timeout = _config.AckTimeoutMillis;
            int inFlight = 0;
            for (int i = 0; i < Outbox.PendingCount; i++)
            {
                OutboxEntry e = Outbox.GetPending(i);
                if (e.SentAtMillis >= 0 && now - e.SentAtMillis < timeout)
                {
                    inFlight++;
                }
            }

            for (int i = 0; i < Outbox.PendingCount && inFlight < _config.MaxInFlight; i++)
            {
                OutboxEntry e = Outbox.GetPending(i);
                if ((e.SentAtMillis >= 0 && now - e.SentAtMillis < timeout) || HeldBack(e.Kind))
                {
                    continue;
                }

                byte[] encoded = Outbox.ReadEncoded(e);
                if (!_transport.Publish(Topics.Up(_config.Fleet, _config.DeviceId, e.Kind), encoded))
                {
                    LinkLost(now, "publish of " + e.Sequence + " failed");
                    return;
                }

                if (e.SendCount > 0)
                {
                    Resends++;
                }

                e.SentAtMillis = now;
                e.SendCount++;
                Publishes++;
                inFlight++;
            }
        }

        private void EnqueueHello()
        {
            HelloPayload h = new HelloPayload();
            h.Board = _config.Board;
            h.FirmwareVersion = _config.FirmwareVersion;
            h.ModelId = _config.ModelId;
            h.ModelVersion = _config.ModelVersion;
            h.KernelMask = _config.KernelMask;
            h.PowerSource = _power.Source;
            h.BatteryPercent = Battery();
            h.BootCount = BootCount;
            h.OutboxCapacityBytes = (uint)Outbox.CapacityBytes;
            if (Memory != null)
            {
                h.FreeHeapBytes = Clamp(Memory.FreeHeapBytes);
                h.FreeFlashBytes = Clamp(Memory.FreeFlashBytes);
            }
            h.ConsentSettings = Consent.Settings();
            h.ConsentGranted = Consent.GrantedMask;
            h.InstalledHashes = InstalledHashes();
            Enqueue(MessageKind.Hello, h.Encode(), true);
        }

        /// <summary>
        /// The first bytes of the active model's content hash per role (plugged, battery; zeros for none), so the host can
        /// tell a flash image restored to an older model from what it installed; null without variant slots.
        /// </summary>
        private byte[][] InstalledHashes()
        {
            if (Variants == null)
            {
                return null;
            }

            byte[][] hashes = new byte[ModelRoles.Count][];
            for (ModelRole role = ModelRole.Plugged; role <= ModelRole.Battery; role++)
            {
                byte[] hash = new byte[HelloPayload.InstalledHashBytes];
                byte[] active = Variants.Store.Slots(role).ActiveContentHash;
                if (active != null)
                {
                    Array.Copy(active, 0, hash, 0, HelloPayload.InstalledHashBytes);
                }

                hashes[ModelRoles.Index(role)] = hash;
            }

            return hashes;
        }

        /// <summary>Reads the consent for this poll: drift and telemetry flags, and what the federated client refuses or waits for.</summary>
        private void ApplyConsent()
        {
            bool metered = Network != null && Network.IsMetered;
            bool plugged = _power.Source == PowerSource.External;
            _driftAllowed = Consent.Allows(UploadConsent.Drift, metered, plugged);
            _learningAllowed = Consent.Allows(UploadConsent.Learning, metered, plugged);
            _telemetryAllowed = Consent.Allows(UploadConsent.Telemetry, metered, plugged);
            if (Learning != null)
            {
                Learning.ConsentRefusal = Consent.IsDenied(UploadConsent.Learning) ? Consent.Why(UploadConsent.Learning, metered, plugged) : null;
                Learning.ConsentWait = _learningAllowed ? null : Consent.Why(UploadConsent.Learning, metered, plugged);
            }
        }

        /// <summary>Queued data of a category whose condition (wifi, charging) is unmet waits in the outbox; everything else goes out.</summary>
        private bool HeldBack(int kind)
        {
            return (kind == MessageKind.Drift && !_driftAllowed) || (kind == MessageKind.Chunk && !_learningAllowed);
        }

        /// <summary>Withdraws from the outbox what a denied category queued: drift windows, and the chunks of federated updates.</summary>
        private void WithdrawDenied()
        {
            if (Consent.IsDenied(UploadConsent.Drift))
            {
                int n = Outbox.Withdraw(MessageKind.Drift);
                if (n > 0)
                {
                    _log.Info("consent: " + n + " queued drift windows withdrawn");
                }
            }

            if (Consent.IsDenied(UploadConsent.Learning))
            {
                // Only federated updates go up as chunks.
                int n = Outbox.Withdraw(MessageKind.Chunk);
                if (n > 0)
                {
                    _log.Info("consent: " + n + " queued update chunks withdrawn");
                }

                if (Learning != null)
                {
                    Learning.Withdraw("consent: learning withdrawn");
                }
            }
        }

        private void ConsentChanged(int category, string what)
        {
            _log.Info("consent: " + UploadConsent.CategoryName(category) + " " + what + " by the user");
            WithdrawDenied();
            ApplyConsent();
            if (_connected)
            {
                EnqueueHello();
            }
        }

        private void EnqueueHeartbeat(long now)
        {
            HeartbeatPayload h = new HeartbeatPayload();
            h.UptimeSeconds = (uint)(now / 1000);
            h.PowerSource = _power.Source;
            h.BatteryPercent = Battery();
            h.OutboxEntries = Outbox.PendingCount;
            h.OutboxBytes = (uint)Outbox.PendingBytes;
            h.DroppedTotal = Outbox.DroppedTotal + Outbox.RefusedTotal;
            h.Inferences = Inferences;
            h.BootCount = BootCount;
            Telemetry.SampleHeap();
            if (_config.SendTelemetry && _telemetryAllowed && Telemetry.Count > 0)
            {
                h.Telemetry = Telemetry.ToWire();
            }

            Enqueue(MessageKind.Heartbeat, h.Encode(), true);
        }

        private void EnqueueChunkStatus()
        {
            ChunkStatusPayload status = Downloads.Status();
            if (status != null)
            {
                Enqueue(MessageKind.ChunkStatus, status.Encode(), true);
            }
        }

        private int Battery()
        {
            int battery = _power.BatteryPercent;
            return battery < 0 || battery > 100 ? HelloPayload.NoBattery : battery;
        }

        private static uint Clamp(long bytes)
        {
            return bytes < 0 ? 0 : (bytes > 0xFFFFFFFFL ? 0xFFFFFFFF : (uint)bytes);
        }

        private static uint CountBoot(IStorage storage)
        {
            byte[] body = SmallFile.Read(storage, BootFile);
            uint boots = body != null && body.Length == 4 ? RecordFormat.GetU32(body, 0) : 0;
            boots++;
            byte[] next = new byte[4];
            RecordFormat.PutU32(next, 0, boots);
            SmallFile.Write(storage, BootFile, next, 4);
            return boots;
        }
    }
}
