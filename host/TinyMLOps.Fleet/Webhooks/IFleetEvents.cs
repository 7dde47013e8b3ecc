namespace TinyMLOps.Fleet.Webhooks;

/// <summary>Where the host's components report events for webhooks (drift alerts, rollbacks, extraction suspects, released rounds).</summary>
public interface IFleetEvents
{
    /// <summary>Records the event durably (once per key); webhooks are posted later by <see cref="WebhookDispatcher"/>.</summary>
    Task PublishAsync(FleetEvent fleetEvent, CancellationToken cancellationToken = default);
}
