namespace TinyMLOps.Fleet.Hosting;

/// <summary>What the running host service has reached, for readiness checks: the sync host once started, or why it stopped.</summary>
public sealed class HostStatus
{
    private volatile SyncHost? _sync;
    private volatile string? _failure;

    /// <summary>The running sync host (broker, MQTT session, ingest), null before start and after stop.</summary>
    public SyncHost? Sync => _sync;

    /// <summary>Why the service stopped on its own, or null.</summary>
    public string? Failure => _failure;

    internal void Started(SyncHost host) => _sync = host;

    internal void Stopped(string? failure)
    {
        _sync = null;
        _failure = failure;
    }
}
