using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;

namespace TinyMLOps.Fleet.Hosting;

/// <summary>
/// One host worker: the embedded broker (unless an external one is configured), the MQTT session, the
/// ingest pipeline and the command sender over a store. The Generic Host runs it as
/// <see cref="SyncHostedService"/>; tests and the demo start it directly.
/// </summary>
public sealed class SyncHost : IDownlink, IAsyncDisposable
{
    private readonly SyncOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private MqttConnection? _connection;

    private SyncHost(SyncOptions options, IFleetStore store, ILoggerFactory loggers)
    {
        _options = options;
        Store = store;
        _log = loggers.CreateLogger("TinyMLOps.Host.Sync");
        Metrics = new HostMetrics();
        Pipeline = new IngestPipeline(store, Metrics, loggers.CreateLogger("TinyMLOps.Host.Ingest"), options.MaxBatch) { QueueWarning = options.IngestQueueWarning, MaxQueuedBytes = options.IngestQueueMaxBytes };
        Commands = new CommandSender(store, loggers.CreateLogger("TinyMLOps.Host.Commands"), options.CommandResendAfter);
        Transfers = new DownlinkTransfers(store, loggers.CreateLogger("TinyMLOps.Host.Transfers"));
    }

    private int _disposed;

    public IFleetStore Store { get; }

    public HostMetrics Metrics { get; }

    public IngestPipeline Pipeline { get; }

    public CommandSender Commands { get; }

    public DownlinkTransfers Transfers { get; }

    public EmbeddedBroker? Broker { get; private set; }

    /// <summary>The usage-receipt ledger; set when the options carry the artifact master key (receipt tags need the device keys).</summary>
    public Metering.ReceiptLedger? Ledger { get; private set; }

    /// <summary>Watches receipts for model extraction (with device keys, like the ledger).</summary>
    public Metering.Extraction.ExtractionMonitor? Extraction { get; private set; }

    /// <summary>Scores and stores drift windows; profiles come from the variant registry when one is configured.</summary>
    public Drift.DriftIngest? Drift { get; private set; }

    public bool IsConnected => _connection?.IsConnected ?? false;

    public Task<int> SendPendingCommandsAsync(string fleet, string deviceId, CancellationToken cancellationToken) =>
        Commands.SendPendingAsync(fleet, deviceId, force: false, cancellationToken);

    public DownlinkTransfer? FindTransfer(string deviceId, uint transferId) => Transfers.Get(deviceId, transferId);

    public Task<DownlinkTransfer> StartTransferAsync(string fleet, string deviceId, uint transferId, int contentType, byte[] artifact, CancellationToken cancellationToken) =>
        Transfers.StartAsync(fleet, deviceId, transferId, contentType, artifact, cancellationToken: cancellationToken);

    public Task CancelTransferAsync(string deviceId, uint transferId, CancellationToken cancellationToken) =>
        Transfers.CancelAsync(deviceId, transferId, cancellationToken);

    public static async Task<SyncHost> StartAsync(SyncOptions options, IFleetStore store, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var host = new SyncHost(options, store, loggers);
        try
        {
            await host.StartCoreAsync(loggers, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_connection != null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        if (Broker != null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }

        Metrics.Dispose();
        _stop.Dispose();
    }

    private async Task StartCoreAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await Store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (_options.EmbeddedBroker)
        {
            var listen = System.Net.IPAddress.Parse(_options.BrokerListenAddress);
            Broker = new EmbeddedBroker(_options.BrokerPort, Store, _options.RequireDeviceCredentials, _options.Password, loggers.CreateLogger("TinyMLOps.Host.Broker"), listen, _options.BrokerLimits);
            Metrics.ObserveBrokerDrops(() => Broker.Dropped);
            await Broker.StartAsync().ConfigureAwait(false);
            _log.LogInformation("Embedded MQTT broker listening on {Address}:{Port}", listen, _options.BrokerPort);
        }

        _connection = new MqttConnection(_options, _log, OnMessageAsync);
        Pipeline.PublishDownlink = _connection.PublishAtMostOnceAsync;
        Pipeline.ResetConnection = _connection.ResetAsync;
        Commands.Publish = _connection.PublishAsync;
        Transfers.Publish = _connection.PublishAsync;
        Pipeline.DevicesGreeted += async (devices, ct) =>
        {
            foreach (var (fleet, device) in devices)
            {
                await Commands.SendPendingAsync(fleet, device, force: true, ct).ConfigureAwait(false);
                await Transfers.OnHelloAsync(device, ct).ConfigureAwait(false);
                try
                {
                    foreach (var finding in await TinyMLOps.Fleet.Rollouts.StaleImageCheck.CheckAsync(Store, device, ct).ConfigureAwait(false))
                    {
                        Metrics.OnStaleImage();
                        _log.LogWarning("Device {Device}: {Finding}", device, finding.Describe());
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A judgement, not a step of the sync: the hello's commands and transfers went out above.
                    _log.LogError(e, "Checking the installed models of {Device} failed", device);
                }
            }
        };
        Pipeline.ChunkStatusReceived += async (statuses, ct) =>
        {
            foreach (var (device, status) in statuses)
            {
                await Transfers.OnStatusAsync(device, status, ct).ConfigureAwait(false);
            }
        };

        if (TinyMLOps.Fleet.Security.DeviceKeys.FromConfiguration(_options.ArtifactMasterKey) is { } deviceKeys)
        {
            // With the master key every downlink is tagged and every uplink must be (docs/protocol.md, authenticated envelopes).
            var auth = new TinyMLOps.Fleet.Security.EnvelopeAuth(deviceKeys);
            Pipeline.Auth = auth;
            Commands.Auth = auth;
            Transfers.Auth = auth;

            // Receipts are verified after each batch; what an earlier run stored but did not verify is caught up first.
            Ledger = new TinyMLOps.Fleet.Metering.ReceiptLedger(Store, deviceKeys, log: loggers.CreateLogger("TinyMLOps.Host.Metering"));
            Ledger.Attach(Pipeline);
            Extraction = new TinyMLOps.Fleet.Metering.Extraction.ExtractionMonitor(Store, deviceKeys.For, _options.Extraction, log: loggers.CreateLogger("TinyMLOps.Host.Metering.Extraction"));
            Extraction.Attach(Pipeline);
            try
            {
                await Ledger.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogError(e, "Usage ledger catch-up failed; receipts stay unverified until the next batch or start");
            }
        }

        // Drift windows are scored after each batch; without a registry they are stored unscored (catch-up scores none).
        var profiles = _options.VariantRegistryPath is { Length: > 0 } registryPath ? global::TinyMLOps.Fleet.Drift.DriftProfiles.FromRegistry(TinyMLOps.Modelling.Variants.VariantRegistry.Open(registryPath)) : global::TinyMLOps.Fleet.Drift.DriftProfiles.None;
        Drift = new global::TinyMLOps.Fleet.Drift.DriftIngest(Store, profiles, log: loggers.CreateLogger("TinyMLOps.Host.Drift"));
        Drift.Attach(Pipeline);
        try
        {
            await Drift.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogError(e, "Drift catch-up failed; unscored windows wait for the next start");
        }

        var token = _stop.Token;
        _loops.Add(Task.Run(() => Pipeline.RunAsync(token), CancellationToken.None));
        await _connection.StartAsync(cancellationToken).ConfigureAwait(false);
        _loops.Add(Task.Run(() => HousekeepingAsync(token), CancellationToken.None));
        _log.LogInformation("Host worker {Worker} serving fleet {Fleet} from {Engine} via {Broker}:{Port}{Shared}",
            _options.WorkerId, _options.Fleet, Store.Engine, _options.BrokerHost, _options.BrokerPort, _options.SharedSubscription ? " (shared subscription)" : "");
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Retain)
        {
            // Sent again on every (re)subscription, so it would be counted again after every restart: uplinks are never retained.
            Metrics.OnRetainedIgnored();
            _log.LogWarning("Ignored a retained uplink on {Topic} ({Size} bytes); clear it on the broker (mosquitto_pub -r -n -t TOPIC)",
                FleetStore.Clip(e.ApplicationMessage.Topic, FleetStore.MaxRejectTopic), e.ApplicationMessage.Payload.Length);
            await e.AcknowledgeAsync(_stop.Token).ConfigureAwait(false);
            return;
        }

        byte[] payload = e.ApplicationMessage.Payload.ToArray();
        var uplink = new InboundUplink(e.ApplicationMessage.Topic, payload, DateTimeOffset.UtcNow, ct => e.AcknowledgeAsync(ct));
        await Pipeline.EnqueueAsync(uplink, _stop.Token).ConfigureAwait(false);
    }

    /// <summary>Deletes the rejects over the cap or past the retention, counts and logs them; returns how many.</summary>
    public async Task<long> PruneRejectsAsync(CancellationToken cancellationToken)
    {
        long pruned = await Store.PruneRejectsAsync(_options.MaxRejects, DateTimeOffset.UtcNow - _options.RejectRetention, cancellationToken).ConfigureAwait(false);
        if (pruned > 0)
        {
            Metrics.OnRejectsPruned(pruned);
            _log.LogInformation("Pruned {Count} stored rejects (keeping the newest {Max}, none older than {Retention})", pruned, _options.MaxRejects, _options.RejectRetention);
        }

        return pruned;
    }

    // Online count for the gauge, commands whose device has not answered in time, and the rejects' cap.
    private async Task HousekeepingAsync(CancellationToken cancellationToken)
    {
        int pass = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                if (pass++ % 15 == 0)
                {
                    await PruneRejectsAsync(cancellationToken).ConfigureAwait(false);
                }

                var counts = await Store.CountsAsync(DateTimeOffset.UtcNow - _options.OnlineWindow, cancellationToken).ConfigureAwait(false);
                Metrics.SetDevicesOnline(counts.Online);
                await Transfers.ResendDueAsync(cancellationToken).ConfigureAwait(false);
                if (Broker != null)
                {
                    await Broker.EvictDecommissionedAsync(cancellationToken).ConfigureAwait(false);
                }
                if (counts.PendingCommands > 0)
                {
                    var since = DateTimeOffset.UtcNow - _options.OnlineWindow;
                    foreach (var device in await Store.ListDevicesAsync(null, cancellationToken).ConfigureAwait(false))
                    {
                        if (device.LastSeen >= since)
                        {
                            await Commands.SendPendingAsync(device.Fleet, device.DeviceId, force: false, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning(e, "Housekeeping pass failed");
            }
        }
    }
}
