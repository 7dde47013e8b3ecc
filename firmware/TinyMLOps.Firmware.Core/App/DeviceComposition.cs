using System;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Core.Telemetry;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// One boot of the device, composed in one place: builds every part (outbox, command dispatcher, downloads and
    /// uploads, power policy, variant manager, meter, federated client, health, drift, telemetry, consent, status and the
    /// sync agent) and hands each its dependencies through its constructor. Without an artifact key the device has no
    /// variant slots, meter or learning (those parts are null). <see cref="DeviceRuntime"/> runs the serving model on
    /// top of it; tests compose it alone.
    /// </summary>
    public sealed class DeviceComposition
    {
        public const string OutboxFile = "outbox.log";
        public const string CommandsFile = "commands.dat";
        public const string BootFile = "boot.dat";
        public const string DownloadName = "download";

        private readonly IFeedback _feedback;

        /// <param name="config">The device's configuration, read again at each hello (its model id follows the loaded model).</param>
        /// <param name="random">Jitters the agent's reconnect backoff.</param>
        public DeviceComposition(DeviceConfig config, DevicePorts ports, Random random)
        {
            DeviceAgent.CheckIdentity(config.Fleet, config.DeviceId);
            IStorage storage = ports.Storage;
            IClock clock = ports.Clock;
            IPower power = ports.Power;
            ILog log = ports.Log;
            _feedback = ports.Feedback;
            BootCount = CountBoot(storage);
            Outbox = new Outbox(storage, OutboxFile, config.DeviceId, config.OutboxCapacityBytes, EnvelopeKeys.Uplink(config.ArtifactKey));
            Uplink = new OutboxUplink(Outbox, clock);
            Commands = new CommandDispatcher(storage, CommandsFile, CommandDispatcher.DefaultRemembered);
            Downloads = new ChunkAssembler(storage, DownloadName, ChunkAssembler.DefaultMaxChunks);
            Uploads = new ChunkedUpload(Outbox, config.DeviceId, ChunkPayload.MaxChunkBytes);
            Policy = new PowerPolicy(config.MinBatteryPercent, PowerPolicy.DefaultHeavyWorkMinBatteryPercent);
            Activity = new InferenceActivity(clock);
            if (config.ArtifactKey != null && config.ArtifactKey.Length > 0)
            {
                Variants = new VariantManager(storage, config.ArtifactKey, config.ArtifactCipher, config.RequireSealedModels, Downloads, power, clock, log, config.VariantDwellSeconds * 1000L, config.VariantLowBatteryPercent);
                Commands.Register(VariantAssignment.CommandName, Variants);
                Commands.Register(VariantRollback.CommandName, new VariantRollbackHandler(Variants));
                Meter = new DeviceMeter(storage, config.DeviceId, config.ArtifactKey, BootCount, clock, new UplinkReceiptSink(Uplink), new MeterOptions());
                Commands.Register(QuotaToken.CommandName, Meter.Quota);
                Learning = new FederatedClient(storage, Variants.Store, Uploads, config.DeviceId, clock, log, config.Learning, ports.Memory);
                Commands.Register(RoundInvite.CommandName, Learning);
            }

            Health = new HealthReporter(new HealthWindow(config.HealthWindowSeconds * 1000L), Variants, Uplink, clock);
            Telemetry = new OpsTelemetry(clock, VariantTelemetry.MaxVariants, ports.Timer, null, ports.Memory);
            if (Outbox.RepairedBytes > 0)
            {
                log.Warn("outbox: cut " + Outbox.RepairedBytes + " bytes of a torn write");
            }

            Consent = new ConsentGate(new ConsentPolicy(storage, config.ConsentSettings), Uplink, Learning, ports.Network, power, log);
            Drift = new DriftReporter(config, Variants, Consent, ports.Indicator, Uplink);
            VariantReporter installs = Variants == null ? null : new VariantReporter(Variants, Uplink, log);
            SyncOptions sync = SyncOptionsOf(config);
            Downlink = new Downlink(sync, Outbox, Uplink, Commands, Downloads, installs, log, storage);

            // The poll order: health and drift windows, then receipts, then learning (an update queued now goes out in this poll).
            ISyncPart[] parts = Meter == null
                ? new ISyncPart[] { Health, Drift }
                : new ISyncPart[] { Health, Drift, new ReceiptReporter(Meter, clock), new LearningScheduler(Learning, Policy, power, clock, Activity) };
            DeviceStatus status = new DeviceStatus(config, BootCount, Outbox, power, ports.Memory, Consent, Variants, Telemetry, Activity);
            Agent = new DeviceAgent(sync, ports.Transport, Outbox, Downlink, Policy, status, Consent, installs, parts, clock, power, log, random);
        }

        public uint BootCount { get; private set; }

        public Outbox Outbox { get; private set; }

        /// <summary>The way up for every part: the outbox, stamped with the device clock.</summary>
        public IUplink Uplink { get; private set; }

        public CommandDispatcher Commands { get; private set; }

        public ChunkAssembler Downloads { get; private set; }

        public ChunkedUpload Uploads { get; private set; }

        public PowerPolicy Policy { get; private set; }

        /// <summary>Variant assignments, model slots per role and role selection; null without an artifact key.</summary>
        public VariantManager Variants { get; private set; }

        /// <summary>Metered inference (counters, usage receipts, quota tokens); null without an artifact key.</summary>
        public DeviceMeter Meter { get; private set; }

        /// <summary>Federated rounds: labelled samples, local training, delta uploads; null without an artifact key.</summary>
        public FederatedClient Learning { get; private set; }

        /// <summary>Each inference's variant, role and confidence; windows go up as model health.</summary>
        public HealthReporter Health { get; private set; }

        /// <summary>The serving model's drift monitor and its windows.</summary>
        public DriftReporter Drift { get; private set; }

        /// <summary>Inferences, latency, memory and energy per variant since boot, for the heartbeat's telemetry section.</summary>
        public OpsTelemetry Telemetry { get; private set; }

        /// <summary>Inferences since boot and the idle time rounds wait for.</summary>
        public InferenceActivity Activity { get; private set; }

        /// <summary>What the device may upload beyond its service traffic; change the user's grants through <see cref="GrantConsent"/>.</summary>
        public ConsentGate Consent { get; private set; }

        public Downlink Downlink { get; private set; }

        public DeviceAgent Agent { get; private set; }

        /// <summary>Whether the device gets labels for local training.</summary>
        public bool HasFeedback
        {
            get { return _feedback != null; }
        }

        /// <summary>One pass of the sync loop.</summary>
        public void Poll()
        {
            Agent.Poll();
        }

        /// <summary>The user grants a consent category (<see cref="UploadConsent"/>); a change goes to the host in a new hello.</summary>
        public void GrantConsent(int category)
        {
            if (Consent.Grant(category))
            {
                Agent.SayHello();
            }
        }

        /// <summary>The user takes a grant back; what the category queued is withdrawn, and the host hears a new hello.</summary>
        public void RevokeConsent(int category)
        {
            if (Consent.Revoke(category))
            {
                Agent.SayHello();
            }
        }

        /// <summary>One inference of the serving model with its top-1 confidence in 1/65535, for the model-health windows.</summary>
        public void ObserveInference(string variantId, int confidence)
        {
            Activity.MarkBusy();
            Health.Observe(variantId, confidence);
        }

        /// <summary>A failed load or inference of a model, for the model-health windows.</summary>
        public void ObserveError(string variantId)
        {
            Activity.MarkBusy();
            Health.ObserveError(variantId);
        }

        /// <summary>
        /// After a classification with the feature tap set (<see cref="FederatedClient.UseModel"/>): keeps the features as
        /// a learning sample when the feedback has a label for them. False when there is none or the device cannot use it.
        /// </summary>
        public bool ObserveFeedback(sbyte[] features)
        {
            int label;
            return _feedback != null && _feedback.TryTakeLabel(out label) && Learning != null && Learning.AddSample(features, 0, label);
        }

        private static SyncOptions SyncOptionsOf(DeviceConfig config)
        {
            SyncOptions sync = new SyncOptions();
            sync.DeviceId = config.DeviceId;
            sync.Fleet = config.Fleet;
            sync.HeartbeatIntervalSeconds = config.HeartbeatIntervalSeconds;
            sync.AckTimeoutMillis = config.AckTimeoutMillis;
            sync.MaxInFlight = config.MaxInFlight;
            sync.BackoffInitialMillis = config.BackoffInitialMillis;
            sync.BackoffMaxMillis = config.BackoffMaxMillis;
            sync.DownlinkKey = EnvelopeKeys.Downlink(config.ArtifactKey);
            return sync;
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
