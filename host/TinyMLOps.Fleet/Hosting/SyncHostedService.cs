using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Fleet.Hosting;

/// <summary>The host worker as a Generic Host service (<c>tinymlops serve</c>).</summary>
public sealed class SyncHostedService : BackgroundService
{
    private readonly SyncOptions _options;
    private readonly IFleetStore _store;
    private readonly ILoggerFactory _loggers;
    private readonly IRoundDataSource? _roundData;
    private readonly HostStatus _status;

    /// <param name="store">The store, shared with the HTTP side; the container owns and disposes it.</param>
    /// <param name="roundData">The host's data for each round's release (null: rounds run but none can be released).</param>
    public SyncHostedService(IOptions<SyncOptions> options, IFleetStore store, ILoggerFactory loggers, HostStatus? status = null, IRoundDataSource? roundData = null)
    {
        _options = options.Value;
        _store = store;
        _loggers = loggers;
        _roundData = roundData;
        _status = status ?? new HostStatus();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? failure = null;
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failure = e.Message;
            throw;
        }
        finally
        {
            _status.Stopped(failure);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var store = _store;
        await using var host = await SyncHost.StartAsync(_options, store, _loggers, stoppingToken).ConfigureAwait(false);
        _status.Started(host);
        var log = _loggers.CreateLogger("TinyMLOps.Rollouts");
        var keys = DeviceKeys.FromConfiguration(_options.ArtifactMasterKey);
        try
        {
            // Webhooks go out with or without a registry; their secrets are sealed under the master key.
            using var webhooks = keys == null ? null : new WebhookDispatcher(store, keys, workerId: _options.WorkerId, log: _loggers.CreateLogger("TinyMLOps.Webhooks"));
            var loops = new List<Task> { webhooks?.RunAsync(stoppingToken) ?? Task.CompletedTask, RefreshGaugesAsync(store, stoppingToken) };
            if (_options.VariantRegistryPath is { Length: > 0 } registry && keys != null)
            {
                var variants = VariantRegistry.Open(registry);
                var controller = new RolloutController(store, variants, keys, host, log);
                var rounds = new RoundCoordinator(store, variants, controller, _roundData, host, _loggers.CreateLogger("TinyMLOps.Rounds"));
                log.LogInformation("Rollouts and federated rounds from registry {Registry}, every {Interval}", registry, _options.RolloutInterval);
                loops.Add(controller.RunAsync(_options.RolloutInterval, stoppingToken));
                loops.Add(rounds.RunAsync(_options.RolloutInterval, stoppingToken));
            }
            else
            {
                log.LogInformation("No rollouts{Webhooks}: {Missing}", keys == null ? " and no webhooks" : string.Empty, keys == null ? $"no artifact master key ({DeviceKeys.EnvironmentVariable})" : "no variant registry (--registry)");
                loops.Add(Task.Delay(Timeout.Infinite, stoppingToken));
            }

            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }
    }

    // The rollout, round and suspect gauges read a snapshot; a failed read keeps the last one and says so.
    private async Task RefreshGaugesAsync(IFleetStore store, CancellationToken stoppingToken)
    {
        var log = _loggers.CreateLogger("TinyMLOps.Host.Metrics");
        using var timer = new PeriodicTimer(_options.RolloutInterval);
        do
        {
            try
            {
                await Observability.FleetInstruments.RefreshAsync(store, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Fleet gauges not refreshed: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
