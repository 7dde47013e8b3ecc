using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Host.Tests.Fleet.Sync;

namespace TinyMLOps.Host.Tests.Fleet.Observability;

public sealed class FleetInstrumentsTests
{
    [Fact]
    public async Task An_event_counts_once_however_often_its_source_publishes_it()
    {
        await using var h = new SyncHarness();
        var store = h.OpenSqlite();
        h.Own(store);
        await store.MigrateAsync();
        string type = "test.counted-" + Guid.NewGuid().ToString("N");
        var counted = new ConcurrentBag<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HostMetrics.MeterName && instrument.Name == "tinymlops.fleet.events")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "type" && Equals(tag.Value, type))
                {
                    counted.Add(value);
                }
            }
        });
        listener.Start();

        var events = new StoreFleetEvents(store);
        var fleetEvent = new FleetEvent(type, "key-1", DateTimeOffset.UtcNow, new { n = 1 });
        await events.PublishAsync(fleetEvent);
        await events.PublishAsync(fleetEvent); // a source re-publishing after a crash
        await events.PublishAsync(fleetEvent with { Key = "key-2" });
        Assert.Equal(2, counted.Sum());
    }
}
