using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Store;

/// <summary>
/// The behaviour every <see cref="IFleetStore"/> engine must show. Each subclass points new store instances at one
/// fresh database of its engine; a second instance plays a second host worker, or the same host after a restart.
/// </summary>
public abstract partial class FleetStoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<FleetStore> _opened = [];

    protected FleetStore Store { get; private set; } = null!;

    protected abstract string ExpectedEngine { get; }

    public async Task InitializeAsync()
    {
        await CreateDatabaseAsync();
        Store = await OpenAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (FleetStore store in _opened)
        {
            await store.DisposeAsync();
        }

        await DropDatabaseAsync();
    }

    [StoreFact]
    public async Task Migrations_are_idempotent_and_report_the_latest_version()
    {
        Assert.Equal(ExpectedEngine, Store.Engine);
        Assert.Equal(StoreMigrations.LatestVersion, await Store.SchemaVersionAsync());
        await Store.MigrateAsync();
        await Store.MigrateAsync();
        Assert.Equal(StoreMigrations.LatestVersion, await Store.SchemaVersionAsync());

        // Two workers starting together against the same database.
        FleetStore a = Create(), b = Create();
        await Task.WhenAll(a.MigrateAsync(), b.MigrateAsync());
        Assert.Equal(StoreMigrations.LatestVersion, await b.SchemaVersionAsync());
    }

    [StoreFact]
    public void Migration_versions_run_one_to_latest_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, StoreMigrations.All.Count), StoreMigrations.All.Select(m => m.Version));
        Assert.All(StoreMigrations.All, m => Assert.False(string.IsNullOrWhiteSpace(m.SqlFor(ExpectedEngine))));
    }

    [StoreFact]
    public async Task A_database_with_a_newer_schema_is_refused_with_a_clear_error()
    {
        int future = StoreMigrations.LatestVersion + 1;
        await MarkSchemaVersionAsync(future);
        await Store.DisposeAsync();

        FleetStore reopened = Create();
        Assert.Equal(future, await reopened.SchemaVersionAsync());
        FleetStoreSchemaException e = await Assert.ThrowsAsync<FleetStoreSchemaException>(() => reopened.MigrateAsync());
        Assert.Equal(future, e.DatabaseVersion);
        Assert.Contains($"schema version {future}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {StoreMigrations.LatestVersion}", e.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Duplicate_sequence_is_stored_once()
    {
        Assert.Equal(new[] { true, true }, await Store.IngestAsync([Heartbeat("d1", 1), Heartbeat("d1", 2)]));
        Assert.Equal(new[] { false, true, false }, await Store.IngestAsync([Heartbeat("d1", 2), Heartbeat("d1", 3), Heartbeat("d1", 1)]));

        Assert.Equal(new[] { 1L, 2L, 3L }, await Store.SequencesAsync("d1"));
        DeviceRecord d = (await Store.GetDeviceAsync("d1"))!;
        Assert.Equal(3, d.MessageCount);
        Assert.Equal(3, d.LastSequence);
    }

    [StoreFact]
    public async Task The_same_sequence_twice_in_one_batch_is_new_then_duplicate()
    {
        IngestRecord first = Heartbeat("d1", 7) with { Payload = [1] };
        IngestRecord second = Heartbeat("d1", 7) with { Payload = [2] };
        Assert.Equal(new[] { true, true, false }, await Store.IngestAsync([first, Heartbeat("d2", 7), second]));

        StoredMessage stored = Assert.Single(await Store.MessagesAsync("d1"));
        Assert.Equal([1], stored.Payload);
        Assert.Equal(1, (await Store.GetDeviceAsync("d1"))!.MessageCount);
    }

    [StoreFact]
    public async Task Hello_records_the_kernels_a_device_runs_and_an_older_hello_without_them_clears_the_name()
    {
        var withKernels = new HelloPayload { Board = "esp32", ConsentSettings = [1], InstalledHashes = [new byte[8]], KernelBackend = "native" };
        await Store.IngestAsync([Hello("d1", 1, withKernels)]);
        Assert.Equal("native", (await Store.GetDeviceAsync("d1"))!.KernelBackend);
        Assert.Equal("native", Assert.Single(await Store.ListDevicesAsync("fleet-a")).KernelBackend);

        // Firmware flashed back to a version without the section: the name is no longer known.
        await Store.IngestAsync([Hello("d1", 2, new HelloPayload { Board = "esp32" })]);
        Assert.Equal(string.Empty, (await Store.GetDeviceAsync("d1"))!.KernelBackend);
    }

    [StoreFact]
    public async Task Hello_sets_identity_capabilities_and_power_of_a_device_seen_for_the_first_time()
    {
        IngestRecord hello = Hello("d1", 1, new HelloPayload
        {
            Board = "esp32-s3",
            FirmwareVersion = "1.4.2",
            ModelId = "fashion-cnn",
            ModelVersion = 7,
            FreeHeapBytes = 123_456,
            FreeFlashBytes = 3_000_000_000,
            KernelMask = 0x8000_0001,
            PowerSource = 1,
            BatteryPercent = 87,
            BootCount = 12,
        });
        Assert.Equal(new[] { true }, await Store.IngestAsync([hello]));

        DeviceRecord d = (await Store.GetDeviceAsync("d1"))!;
        Assert.Equal("fleet-a", d.Fleet);
        Assert.Equal("esp32-s3", d.Board);
        Assert.Equal("1.4.2", d.FirmwareVersion);
        Assert.Equal("fashion-cnn", d.ModelId);
        Assert.Equal(7, d.ModelVersion);
        Assert.Equal(123_456, d.FreeHeapBytes);
        Assert.Equal(3_000_000_000, d.FreeFlashBytes);
        Assert.Equal(0x8000_0001, d.KernelMask);
        Assert.Equal(1, d.PowerSource);
        Assert.Equal(87, d.BatteryPercent);
        Assert.Equal(12, d.BootCount);
        Assert.Equal(1, d.MessageCount);
        Assert.Equal(T0.AddSeconds(1), d.FirstSeen);
        Assert.Equal(T0.AddSeconds(1), d.LastSeen);
        Assert.Null(d.CredentialHash);

        StoredMessage m = Assert.Single(await Store.MessagesAsync("d1", MessageKind.Hello));
        Assert.Equal(new StoredMessage("d1", 1, MessageKind.Hello, 1_000_001u, T0.AddSeconds(1), hello.Payload), m with { Payload = hello.Payload });
        Assert.Equal(hello.Payload, m.Payload);
        Assert.Empty(await Store.MessagesAsync("d1", MessageKind.Heartbeat));
    }

    [StoreFact]
    public async Task An_unprovisioned_device_gets_an_unknown_board_until_its_hello()
    {
        await Store.IngestAsync([Heartbeat("d9", 1)]);
        DeviceRecord d = (await Store.GetDeviceAsync("d9"))!;
        Assert.Equal(string.Empty, d.Board);
        Assert.Equal("fleet-a", d.Fleet);
        Assert.Null(await Store.GetDeviceAsync("nobody"));
    }

    [StoreFact]
    public async Task Heartbeat_sets_power_battery_outbox_and_counters()
    {
        await Store.IngestAsync([Hello("d1", 1, new HelloPayload { Board = "nrf52", PowerSource = 2, BatteryPercent = 255, BootCount = 3 })]);
        await Store.IngestAsync([Heartbeat("d1", 2, new HeartbeatPayload
        {
            UptimeSeconds = 3600,
            PowerSource = 1,
            BatteryPercent = 41,
            OutboxEntries = 17,
            OutboxBytes = 2048,
            DroppedTotal = 5,
            Inferences = 99_000,
            BootCount = 4,
        })]);

        DeviceRecord d = (await Store.GetDeviceAsync("d1"))!;
        Assert.Equal("nrf52", d.Board);
        Assert.Equal(1, d.PowerSource);
        Assert.Equal(41, d.BatteryPercent);
        Assert.Equal(17, d.OutboxEntries);
        Assert.Equal(2048, d.OutboxBytes);
        Assert.Equal(5, d.DroppedTotal);
        Assert.Equal(99_000, d.Inferences);
        Assert.Equal(3600, d.UptimeSeconds);
        Assert.Equal(4, d.BootCount);
        Assert.Equal(2, d.MessageCount);
        Assert.Equal(2, d.LastSequence);
    }

    [StoreFact]
    public async Task Dropped_report_is_recorded_per_kind()
    {
        var report = new DroppedPayload { Kinds = [MessageKind.Heartbeat, MessageKind.Chunk], Counts = [3, 40], FirstSequences = [10, 12], LastSequences = [14, 60] };
        IngestRecord dropped = Message("d1", 61, MessageKind.Dropped) with { Dropped = report };
        Assert.Equal(new[] { true }, await Store.IngestAsync([dropped]));
        Assert.Equal(new[] { false }, await Store.IngestAsync([dropped]));

        IReadOnlyList<DropRecord> drops = await Store.DropsAsync("d1");
        Assert.Equal(
            [
                new DropRecord("d1", 61, MessageKind.Heartbeat, 3, 10, 14, T0.AddSeconds(61)),
                new DropRecord("d1", 61, MessageKind.Chunk, 40, 12, 60, T0.AddSeconds(61)),
            ],
            drops);
        Assert.Equal(61, (await Store.GetDeviceAsync("d1"))!.LastSequence);
    }

    [StoreFact]
    public async Task Last_seen_last_sequence_and_device_state_never_move_backwards()
    {
        await Store.IngestAsync([Heartbeat("d1", 10, new HeartbeatPayload { BatteryPercent = 50, Inferences = 100 }, at: T0.AddMinutes(10))]);
        await Store.IngestAsync([Hello("d1", 11, new HelloPayload { Board = "new", FirmwareVersion = "2.0", BatteryPercent = 49 }, at: T0.AddMinutes(11))]);

        // A replay of older messages arrives late (outbox flushed after a reconnect, or another worker was slower).
        bool[] late = await Store.IngestAsync(
        [
            Hello("d1", 3, new HelloPayload { Board = "old", FirmwareVersion = "1.0", BatteryPercent = 90 }, at: T0.AddMinutes(20)),
            Heartbeat("d1", 4, new HeartbeatPayload { BatteryPercent = 89, Inferences = 7 }, at: T0.AddMinutes(1)),
        ]);
        Assert.Equal([true, true], late);

        DeviceRecord d = (await Store.GetDeviceAsync("d1"))!;
        Assert.Equal(11, d.LastSequence);
        Assert.Equal("new", d.Board);
        Assert.Equal("2.0", d.FirmwareVersion);
        Assert.Equal(49, d.BatteryPercent);
        Assert.Equal(100, d.Inferences);
        Assert.Equal(4, d.MessageCount);
        Assert.Equal(T0.AddMinutes(20), d.LastSeen); // the host clock of the latest arrival
        Assert.Equal(T0.AddMinutes(1), d.FirstSeen);

        await Store.IngestAsync([Heartbeat("d1", 5, at: T0.AddMinutes(2))]);
        Assert.Equal(T0.AddMinutes(20), (await Store.GetDeviceAsync("d1"))!.LastSeen);
    }

    [StoreFact]
    public async Task Concurrent_overlapping_batches_lose_nothing_and_duplicate_nothing()
    {
        IngestRecord[] all = [.. Everything(devices: 3, sequences: 200)];
        int[] newCounts = await Task.WhenAll(Enumerable.Range(0, 4).Select(task => IngestShuffledAsync(Store, all, seed: task, batchSize: 40)));

        Assert.Equal(all.Length, newCounts.Sum());
        await AssertEverythingStoredOnceAsync(Store, devices: 3, sequences: 200);
    }

    [StoreFact]
    public async Task Two_store_instances_ingest_overlapping_batches_concurrently()
    {
        IngestRecord[] all = [.. Everything(devices: 4, sequences: 150)];
        FleetStore workerA = await OpenAsync(), workerB = await OpenAsync();
        int[] newCounts = await Task.WhenAll(
            IngestShuffledAsync(workerA, all, seed: 1, batchSize: 50),
            IngestShuffledAsync(workerB, all, seed: 2, batchSize: 50),
            IngestShuffledAsync(workerA, all, seed: 3, batchSize: 25),
            IngestShuffledAsync(workerB, all, seed: 4, batchSize: 25));

        Assert.Equal(all.Length, newCounts.Sum());
        await AssertEverythingStoredOnceAsync(workerB, devices: 4, sequences: 150);
    }

    [StoreFact]
    public async Task Data_survives_a_restart()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("d1", "fleet-b", "esp32", "hash-1"));
        await Store.IngestAsync([Heartbeat("d1", 1), Heartbeat("d1", 2)]);
        await Store.RecordRejectAsync(new RejectRecord(T0, "tinymlops/v1/fleet-a/x/hello", "x", 3, "bad envelope", 12));
        long command = await Store.EnqueueCommandAsync("d1", "reboot", [1, 2]);
        long downlink = await Store.NextDownlinkSequenceAsync("d1");
        await Store.DisposeAsync();

        FleetStore restarted = await OpenAsync();
        Assert.Equal(new[] { 1L, 2L }, await restarted.SequencesAsync("d1"));
        Assert.Equal(new[] { false }, await restarted.IngestAsync([Heartbeat("d1", 2)]));
        DeviceRecord d = (await restarted.GetDeviceAsync("d1"))!;
        Assert.Equal(("fleet-b", "esp32", "hash-1", 2L), (d.Fleet, d.Board, d.CredentialHash, d.MessageCount));
        Assert.Equal(command, Assert.Single(await restarted.PendingCommandsAsync("d1")).CommandId);
        Assert.Single(await restarted.RejectsAsync());
        Assert.Equal(downlink + 1, await restarted.NextDownlinkSequenceAsync("d1"));
    }

    [StoreFact]
    public async Task Registered_devices_keep_their_fleet_and_credential_and_are_listed_by_fleet()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("d2", "fleet-b", "nrf52", "hash-2"));
        await Store.RegisterDeviceAsync(new DeviceRegistration("d1", "fleet-b", "esp32", null));
        await Store.IngestAsync([Heartbeat("d2", 1), Heartbeat("d3", 1)]);
        await Store.RegisterDeviceAsync(new DeviceRegistration("d1", "fleet-b", "esp32", "hash-1"));

        IReadOnlyList<DeviceRecord> fleetB = await Store.ListDevicesAsync("fleet-b");
        Assert.Equal(["d1", "d2"], fleetB.Select(d => d.DeviceId));
        Assert.Equal(["hash-1", "hash-2"], fleetB.Select(d => d.CredentialHash));
        Assert.Equal([0L, 1L], fleetB.Select(d => d.MessageCount));
        Assert.Null(fleetB[0].LastSeen);
        Assert.Equal(["d1", "d2", "d3"], (await Store.ListDevicesAsync()).Select(d => d.DeviceId));
        Assert.Equal("fleet-a", Assert.Single(await Store.ListDevicesAsync("fleet-a")).Fleet);
    }

    [StoreFact]
    public async Task Downlink_sequences_are_strictly_increasing_across_two_instances()
    {
        FleetStore other = await OpenAsync();
        Task<long[]>[] workers =
        [
            Task.Run(() => ReserveAsync(Store, 40)),
            Task.Run(() => ReserveAsync(other, 40)),
            Task.Run(() => ReserveAsync(other, 40)),
        ];
        long[][] reserved = await Task.WhenAll(workers);

        foreach (long[] one in reserved)
        {
            Assert.True(one.Zip(one.Skip(1)).All(p => p.Second > p.First), "each worker sees its sequences increase");
        }

        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), reserved.SelectMany(r => r).Order());
        Assert.Equal(1, await Store.NextDownlinkSequenceAsync("d2"));
        Assert.Equal(121, await other.NextDownlinkSequenceAsync("d1"));

        static async Task<long[]> ReserveAsync(FleetStore store, int count)
        {
            var got = new long[count];
            for (int i = 0; i < count; i++)
            {
                got[i] = await store.NextDownlinkSequenceAsync("d1");
            }

            return got;
        }
    }

    [StoreFact]
    public async Task Commands_go_from_pending_to_sent_to_completed_and_a_second_result_is_ignored()
    {
        long first = await Store.EnqueueCommandAsync("d1", "set-threshold", [0x10, 0x20]);
        long second = await Store.EnqueueCommandAsync("d1", "reboot", []);
        long elsewhere = await Store.EnqueueCommandAsync("d2", "reboot", []);
        Assert.True(second > first);
        Assert.NotEqual(second, elsewhere);

        Assert.Equal([first, second], (await Store.PendingCommandsAsync("d1")).Select(c => c.CommandId));
        CommandRecord queued = (await Store.GetCommandAsync(first))!;
        Assert.Equal(("d1", "set-threshold"), (queued.DeviceId, queued.Name));
        Assert.Equal([0x10, 0x20], queued.Arguments);
        Assert.Null(queued.SentAt);
        Assert.Null(queued.Status);

        await Store.MarkCommandSentAsync(first, T0.AddSeconds(5));
        Assert.Equal(T0.AddSeconds(5), (await Store.GetCommandAsync(first))!.SentAt);

        Assert.Equal("set-threshold", await Store.CompleteCommandAsync(first, 0, "ok", T0.AddSeconds(6)));
        Assert.Null(await Store.CompleteCommandAsync(first, 2, "late duplicate result", T0.AddSeconds(9)));
        await Store.MarkCommandSentAsync(first, T0.AddSeconds(10));

        CommandRecord done = (await Store.GetCommandAsync(first))!;
        Assert.Equal((0, "ok", T0.AddSeconds(6), T0.AddSeconds(5)), (done.Status, done.Detail, done.CompletedAt, done.SentAt));
        Assert.Equal([second], (await Store.PendingCommandsAsync("d1")).Select(c => c.CommandId));
        Assert.Null(await Store.GetCommandAsync(elsewhere + 1000));
        Assert.Equal(2, (await Store.CountsAsync(T0)).PendingCommands);
    }

    [StoreFact]
    public async Task Rejects_are_recorded_newest_first_and_counted()
    {
        var unknownDevice = new RejectRecord(T0, "garbage", null, 1, "topic outside tinymlops/v1", 3);
        var badPayload = new RejectRecord(T0.AddSeconds(1), "tinymlops/v1/fleet-a/d1/hello", "d1", 4, "hello: truncated", 9);
        await Store.RecordRejectAsync(unknownDevice);
        await Store.RecordRejectAsync(badPayload);

        Assert.Equal(new[] { badPayload, unknownDevice }, await Store.RejectsAsync());
        Assert.Equal(new[] { badPayload }, await Store.RejectsAsync(limit: 1));
        Assert.Equal(2, (await Store.CountsAsync(T0)).Rejects);
    }

    [StoreFact]
    public async Task Counts_report_devices_online_messages_rejects_and_pending_commands()
    {
        Assert.Equal(new FleetCounts(0, 0, 0, 0, 0), await Store.CountsAsync(T0));
        await Store.RegisterDeviceAsync(new DeviceRegistration("never-seen", "fleet-a", "esp32", null));
        await Store.IngestAsync([Heartbeat("d1", 1, at: T0.AddMinutes(1)), Heartbeat("d1", 2, at: T0.AddMinutes(2)), Heartbeat("d2", 1, at: T0.AddMinutes(5))]);
        await Store.RecordRejectAsync(new RejectRecord(T0, "t", null, 1, "x", 1));
        long done = await Store.EnqueueCommandAsync("d1", "a", []);
        await Store.EnqueueCommandAsync("d1", "b", []);
        await Store.CompleteCommandAsync(done, 0, "ok", T0);

        Assert.Equal(new FleetCounts(3, 2, 3, 1, 1), await Store.CountsAsync(T0));
        Assert.Equal(new FleetCounts(3, 1, 3, 1, 1), await Store.CountsAsync(T0.AddMinutes(3)));
        Assert.Equal(2, (await Store.MessagesAsync("d1", limit: 5)).Count);
        Assert.Equal([2L], (await Store.MessagesAsync("d1", limit: 1)).Select(m => m.Sequence));
    }

    // ---- engine side ----

    protected abstract Task CreateDatabaseAsync();

    protected abstract Task DropDatabaseAsync();

    /// <summary>A new store instance on this test's database, not yet migrated.</summary>
    protected abstract FleetStore CreateStore();

    /// <summary>Records <paramref name="version"/> as applied, as a newer host would have.</summary>
    protected abstract Task MarkSchemaVersionAsync(int version);

    // ---- helpers ----

    protected FleetStore Create()
    {
        FleetStore store = CreateStore();
        _opened.Add(store);
        return store;
    }

    protected async Task<FleetStore> OpenAsync()
    {
        FleetStore store = Create();
        await store.MigrateAsync();
        return store;
    }

    private static IngestRecord Message(string device, long seq, int kind, DateTimeOffset? at = null) =>
        new("fleet-a", device, seq, kind, (uint)(1_000_000 + seq), at ?? T0.AddSeconds(seq), [(byte)kind, (byte)seq]);

    private static IngestRecord Hello(string device, long seq, HelloPayload hello, DateTimeOffset? at = null) =>
        Message(device, seq, MessageKind.Hello, at) with { Payload = hello.Encode(), Hello = hello };

    private static IngestRecord Heartbeat(string device, long seq, HeartbeatPayload? heartbeat = null, DateTimeOffset? at = null)
    {
        heartbeat ??= new HeartbeatPayload { UptimeSeconds = (uint)seq };
        return Message(device, seq, MessageKind.Heartbeat, at) with { Payload = heartbeat.Encode(), Heartbeat = heartbeat };
    }

    private static IEnumerable<IngestRecord> Everything(int devices, int sequences) =>
        from d in Enumerable.Range(1, devices)
        from s in Enumerable.Range(1, sequences)
        select s % 10 == 1 ? Hello($"d{d}", s, new HelloPayload { Board = $"board-{s}" }) : Heartbeat($"d{d}", s);

    /// <summary>Ingests every record in a shuffled order, in batches that also repeat some records; returns how many were new.</summary>
    private static async Task<int> IngestShuffledAsync(FleetStore store, IngestRecord[] all, int seed, int batchSize)
    {
        await Task.Yield();
        var random = new Random(seed);
        IngestRecord[] shuffled = [.. all.OrderBy(_ => random.Next())];
        int news = 0;
        for (int start = 0; start < shuffled.Length; start += batchSize)
        {
            IngestRecord[] batch = [.. shuffled.Skip(start).Take(batchSize), .. shuffled.Skip(start).Take(3)];
            bool[] isNew = await store.IngestAsync(batch);
            Assert.Equal(batch.Length, isNew.Length);
            Assert.All(isNew.Skip(batch.Length - 3), Assert.False);
            news += isNew.Count(x => x);
        }

        return news;
    }

    private static async Task AssertEverythingStoredOnceAsync(FleetStore store, int devices, int sequences)
    {
        for (int d = 1; d <= devices; d++)
        {
            Assert.Equal(Enumerable.Range(1, sequences).Select(s => (long)s), await store.SequencesAsync($"d{d}"));
            DeviceRecord device = (await store.GetDeviceAsync($"d{d}"))!;
            Assert.Equal((long)sequences, device.MessageCount);
            Assert.Equal((long)sequences, device.LastSequence);
            Assert.Equal($"board-{((sequences - 1) / 10 * 10) + 1}", device.Board);
            Assert.Equal(T0.AddSeconds(sequences), device.LastSeen);
        }

        Assert.Equal((long)devices * sequences, (await store.CountsAsync(T0)).Messages);
    }
}
