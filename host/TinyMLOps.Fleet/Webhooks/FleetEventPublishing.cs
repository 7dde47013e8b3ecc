using Microsoft.Extensions.Logging;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>Publishing from the fleet's control loops: a failing outbox never stops a rollout, a round or ingest.</summary>
public static class FleetEventPublishing
{
    /// <summary>Publishes and logs a failure instead of throwing (the source publishes again on its next pass, by key).</summary>
    public static async Task PublishQuietlyAsync(this IFleetEvents events, FleetEvent fleetEvent, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            await events.PublishAsync(fleetEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Recording event {Key} for webhooks failed", fleetEvent.Key);
        }
    }
}
