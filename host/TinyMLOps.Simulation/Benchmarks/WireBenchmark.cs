using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>Bytes on the wire of one board over one simulated day, both ways, MQTT framing included.</summary>
public sealed record WireRow(string Scenario, int HeartbeatSeconds, long UplinkMessages, long UplinkBytes, long DownlinkMessages, long DownlinkBytes)
{
    public long TotalBytes => UplinkBytes + DownlinkBytes;
}

/// <summary>
/// Heartbeat and telemetry traffic per device per day: virtual boards with different heartbeat intervals
/// and connectivity run one simulated day against the embedded broker and a real host worker; the
/// transports count every QoS 1 PUBLISH and PUBACK each way (MQTT 3.1.1 framing, TCP/IP excluded).
/// </summary>
public static class WireBenchmark
{
    public static async Task<IReadOnlyList<WireRow>> RunAsync(IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-wire-").FullName;
        try
        {
            int port = MosquittoProcess.FreePort();
            await using var store = FleetStoreFactory.Open(null, Path.Combine(dir, "wire.db"));
            await using var host = await SyncHost.StartAsync(new SyncOptions { BrokerPort = port, WorkerId = "tinymlops-host-wire" }, store, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            var clock = new SimClock(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
            var scenarios = new (string Name, int Heartbeat, ConnectivityPattern Pattern)[]
            {
                ("always online", 60, ConnectivityPattern.AlwaysOn),
                ("always online", 300, ConnectivityPattern.AlwaysOn),
                ("always online", 900, ConnectivityPattern.AlwaysOn),
                ("online 10 min an hour", 300, new ConnectivityPattern(60, 10, 0)),
                ("online 10 min a day", 300, new ConnectivityPattern(1440, 10, 0)),
            };
            var boards = scenarios.Select((s, i) => new VirtualBoard(
                new VirtualBoardOptions { DeviceId = $"wire-{i}", Fleet = "wire", HeartbeatIntervalSeconds = s.Heartbeat, Connectivity = s.Pattern, Seed = i },
                "127.0.0.1", port, Path.Combine(dir, "boards"), clock, NullLogger.Instance)).ToList();
            try
            {
                var step = TimeSpan.FromMinutes(1);
                for (int minute = 0; minute < 1440; minute++)
                {
                    clock.Advance(step);
                    Parallel.ForEach(boards, b => b.Step(step));
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                    progress?.Report((minute + 1) / 1440.0);
                }

                return scenarios.Select((s, i) => new WireRow(
                    s.Name, s.Heartbeat, boards[i].Transport.Publishes, boards[i].Transport.WireBytesOut, boards[i].Device.Downlink.AcksReceived, boards[i].Transport.WireBytesIn)).ToList();
            }
            finally
            {
                boards.ForEach(b => b.Dispose());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
