using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>The default sink: an outbox row in the fleet store, with a pending delivery per subscription that wants the type.</summary>
public sealed class StoreFleetEvents(IFleetStore store) : IFleetEvents
{
    public async Task PublishAsync(FleetEvent fleetEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleetEvent);
        RecordedEvent recorded = await store.RecordEventAsync(fleetEvent.ToRecord(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (recorded.IsNew)
        {
            // Sources publish again after a crash could have lost an event; only the first recording counts.
            Observability.FleetInstruments.OnEventRecorded(fleetEvent.Type);
        }
    }
}
