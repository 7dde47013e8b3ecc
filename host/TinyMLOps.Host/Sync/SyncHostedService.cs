using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TinyMLOps.Host.Store;

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
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }
    }
}
