using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>The default sink: an outbox row in the fleet store, with a pending delivery per subscription that wants the type.</summary>
public sealed class StoreFleetEvents(IFleetStore store) : IFleetEvents
{
    public Task PublishAsync(FleetEvent fleetEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleetEvent);
        return store.RecordEventAsync(fleetEvent.ToRecord(), cancellationToken: cancellationToken);
    }
}
