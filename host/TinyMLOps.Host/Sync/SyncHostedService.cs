using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TinyMLOps.Host.Store;
using TinyMLOps.Host.Variants;

namespace TinyMLOps.Host.Sync;

/// <summary>The host worker as a Generic Host service (<c>tinymlops serve</c>).</summary>
public sealed class SyncHostedService : BackgroundService
{
    private readonly SyncOptions _options;
    private readonly Func<SyncOptions, IFleetStore> _openStore;
    private readonly ILoggerFactory _loggers;

    public SyncHostedService(IOptions<SyncOptions> options, Func<SyncOptions, IFleetStore> openStore, ILoggerFactory loggers)
    {
        _options = options.Value;
        _openStore = openStore;
        _loggers = loggers;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var store = _openStore(_options);
        await using var host = await SyncHost.StartAsync(_options, store, _loggers, stoppingToken).ConfigureAwait(false);
        var log = _loggers.CreateLogger("TinyMLOps.Rollouts");
        var keys = DeviceKeys.FromConfiguration(_options.ArtifactMasterKey);
        try
        {
            if (_options.VariantRegistryPath is { Length: > 0 } registry && keys != null)
            {
                var controller = new RolloutController(store, VariantRegistry.Open(registry), keys, host, log);
                log.LogInformation("Rollouts from registry {Registry}, every {Interval}", registry, _options.RolloutInterval);
                await controller.RunAsync(_options.RolloutInterval, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                log.LogInformation("No rollouts: {Missing}", keys == null ? $"no artifact master key ({DeviceKeys.EnvironmentVariable})" : "no variant registry (--registry)");
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }
    }
}
