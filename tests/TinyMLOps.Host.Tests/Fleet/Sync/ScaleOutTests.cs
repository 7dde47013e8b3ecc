using Npgsql;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Sync;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>Several host workers on one fleet: MQTT 5 shared subscriptions on mosquitto, PostgreSQL as the shared store.</summary>
[Collection(SyncCollection.Name)]
public sealed class ScaleOutTests
{
    [Fact]
    public async Task Two_workers_share_a_fleet_through_mosquitto_and_postgres_without_loss_or_duplicates()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        string schema = "scaleout_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var store1 = h.OpenPostgres(schema);
            var store2 = h.OpenPostgres(schema);
            h.Own(store1);
            h.Own(store2);
            var worker1 = await h.StartHostAsync(store1, broker.Port, embedded: false, workerId: "tinymlops-host-w1", shared: true);
            var worker2 = await h.StartHostAsync(store2, broker.Port, embedded: false, workerId: "tinymlops-host-w2", shared: true);
            h.Own(worker1);
            h.Own(worker2);
            for (int i = 0; i < 10; i++)
            {
                var board = h.AddBoard($"so-{i:D2}", broker.Port, heartbeatSeconds: 60);
                Assert.True(board.Device.Uploads.Upload(3, 2, new byte[7000], 0).Accepted);
            }

            h.Run(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
            Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
            await h.AssertNothingLostAsync(store1);

            // Both workers took part, and no message was stored by both: their first-time stores add up to the rows.
            long rows = (await store1.CountsAsync(DateTimeOffset.MinValue)).Messages;
            Assert.True(worker1.Metrics.Stored > 0 && worker2.Metrics.Stored > 0, $"w1 {worker1.Metrics.Stored}, w2 {worker2.Metrics.Stored}: the shared subscription did not split the load");
            Assert.Equal(rows, worker1.Metrics.Stored + worker2.Metrics.Stored);
            foreach (var b in h.Boards)
            {
                Assert.True(Assert.Single(await UplinkTransfers.ListAsync(store2, b.DeviceId)).Complete);
            }
        }
        finally
        {
            await using var connection = new NpgsqlConnection(SyncHarness.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
