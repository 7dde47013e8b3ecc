using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>
/// Host workers, stores and virtual boards for the integration tests, plus the bookkeeping that proves
/// "nothing lost": every sequence a board got onto the broker must end up stored exactly once.
/// </summary>
internal sealed class SyncHarness : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-sync-").FullName;

    public SyncHarness()
    {
        Clock = new SimClock(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));
        Fleet = new VirtualFleet([], Clock);
    }

    public VirtualFleet Fleet { get; }

    public SimClock Clock { get; }

    public string Directory_ => _dir;

    /// <summary>Sequences each device got onto the broker, with their kinds, by device.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<long, int>> Published { get; } = new();

    public IReadOnlyList<VirtualBoard> Boards => Fleet.All;

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("TINYMLOPS_TEST_POSTGRES") is { Length: > 0 } v && v != "skip"
            ? v
            : "Host=127.0.0.1;Port=5432;Username=tinymlops;Password=tinymlops;Database=tinymlops";

    public IFleetStore OpenSqlite(string name = "fleet.db") => FleetStoreFactory.Open(null, Path.Combine(_dir, name));

    /// <summary>A store in a fresh PostgreSQL schema, dropped at the end.</summary>
    public IFleetStore OpenPostgres(string schema) => FleetStoreFactory.Open(PostgresConnectionString, "", schema);

    /// <summary>A SQLite store and a host worker on it, both disposed with the harness.</summary>
    /// <param name="masterKey">The fleet master key, which boards with artifact keys need the host to have: it tags the downlinks they verify.</param>
    public async Task<(IFleetStore Store, SyncHost Host)> StartSqliteHostAsync(int port, bool embedded, byte[]? masterKey = null)
    {
        var store = OpenSqlite();
        Own(store);
        var host = await StartHostAsync(store, port, embedded, masterKey: masterKey);
        Own(host);
        return (store, host);
    }

    public async Task<SyncHost> StartHostAsync(IFleetStore store, int port, bool embedded, string workerId = "tinymlops-host-test", bool shared = false, string fleet = "+", byte[]? masterKey = null)
    {
        var options = new SyncOptions
        {
            EmbeddedBroker = embedded,
            BrokerPort = port,
            WorkerId = workerId,
            SharedSubscription = shared,
            Fleet = fleet,
            MaxBatch = 256,
            ArtifactMasterKey = masterKey == null ? null : Convert.ToHexString(masterKey),
        };
        return await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance);
    }

    public VirtualBoard AddBoard(string deviceId, int port, string fleet = "test", ConnectivityPattern? pattern = null, int heartbeatSeconds = 600) =>
        AddBoard(new VirtualBoardOptions { DeviceId = deviceId, Fleet = fleet, Connectivity = pattern ?? ConnectivityPattern.AlwaysOn, HeartbeatIntervalSeconds = heartbeatSeconds, Seed = Boards.Count + 1 }, port);

    /// <summary>A board with these options on this harness's clock and folder, tracked and added to the fleet.</summary>
    public VirtualBoard AddBoard(VirtualBoardOptions options, int port, byte[]? artifactKey = null, ISensor? sensor = null, byte[]? model = null)
    {
        var board = new VirtualBoard(options, "127.0.0.1", port, Path.Combine(_dir, "boards"), Clock, NullLogger.Instance, model: model, sensor: sensor, artifactKey: artifactKey);
        Track(board);
        Fleet.Add(board);
        return board;
    }

    /// <summary>Records what a board's transport got onto the broker (re-attached after every reboot).</summary>
    public void Track(VirtualBoard board)
    {
        var set = Published.GetOrAdd(board.DeviceId, _ => new ConcurrentDictionary<long, int>());
        board.Transport.Published = (_, bytes) =>
        {
            var message = WireCodec.Decode(bytes);
            set.TryAdd(message.Sequence, message.Kind);
        };
    }

    /// <summary>Steps every board for <paramref name="simulated"/> in steps of <paramref name="step"/>, with a short real pause per step so acks arrive.</summary>
    public void Run(TimeSpan simulated, TimeSpan step, int pauseMillis = 5, Action<int>? everyStep = null)
    {
        int steps = (int)(simulated / step);
        for (int i = 0; i < steps; i++)
        {
            Fleet.Step(step);
            everyStep?.Invoke(i);
            if (pauseMillis > 0)
            {
                Thread.Sleep(pauseMillis);
            }
        }
    }

    public Task<bool> DrainAsync(TimeSpan timeout) => Fleet.DrainAsync(timeout, CancellationToken.None);

    /// <summary>
    /// Nothing lost, nothing doubled: every non-mergeable message a board got onto the broker is stored, once
    /// (a hello or heartbeat may be superseded by a newer one before it is acked: merged, not lost); nothing is
    /// stored that the board never made; and every outbox is empty, which means every entry was acked, and the
    /// host acks only what it has stored.
    /// </summary>
    public async Task AssertNothingLostAsync(IFleetStore store)
    {
        foreach (var board in Boards)
        {
            var stored = await store.SequencesAsync(board.DeviceId);
            Assert.Equal(stored.Count, stored.Distinct().Count());
            var published = Published[board.DeviceId].Where(p => !Firmware.Core.Sync.Outbox.IsMergeable(p.Value)).Select(p => p.Key).ToHashSet();
            Assert.NotEmpty(published);
            Assert.Subset(stored.ToHashSet(), published);
            Assert.All(stored, s => Assert.InRange(s, 1, board.Device.Outbox.NextSequence - 1));
            Assert.Equal(0, board.Device.Outbox.PendingCount);
        }
    }

    public void Own(IAsyncDisposable d) => _owned.Add(d);

    public async ValueTask DisposeAsync()
    {
        Fleet.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
