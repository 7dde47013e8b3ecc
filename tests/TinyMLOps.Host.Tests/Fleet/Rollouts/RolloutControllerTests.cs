using System.Text.Json;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Devices;
using TinyMLOps.Fleet.Provisioning;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Fleet.Rollouts;

/// <summary>Staged rollouts over the embedded broker to virtual boards that run the models and report their health.</summary>
[Collection(SyncCollection.Name)]
public sealed class RolloutControllerTests
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3))];

    private static readonly RolloutPolicy FastPolicy = new() { MinInferences = 60, Soak = TimeSpan.Zero };

    private sealed class Rig : IAsyncDisposable
    {
        public required SyncHarness Harness { get; init; }

        public required IFleetStore Store { get; init; }

        public required SyncHost Host { get; set; }

        public required VariantRegistry Registry { get; init; }

        public required RolloutController Controller { get; set; }

        public required DeviceKeys Keys { get; init; }

        public required int Port { get; init; }

        public required List<VirtualBoard> Boards { get; init; }

        public async Task RunUntilAsync(Func<Task<bool>> done, int maxRounds = 400)
        {
            for (int round = 0; round < maxRounds; round++)
            {
                Harness.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 10);
                await Controller.TickAsync();
                if (await done())
                {
                    return;
                }
            }

            var lines = new List<string>();
            foreach (var r in await Store.ListRolloutsAsync())
            {
                var status = await Controller.StatusAsync(r.RolloutId);
                lines.Add($"{r.RolloutId} {r.VariantId} {r.State} {r.Percent}% {r.Reason} | {status.Verdict.Reason} | " +
                    string.Join(", ", status.Devices.Select(d => $"{d.DeviceId}:{d.State}:{d.Detail}")));
            }

            throw new TimeoutException("the rollout did not get there: " + string.Join(" / ", lines) + " | running " + string.Join(", ", Boards.Select(b => b.RunningVariantId)));
        }

        public async Task<RolloutRecord> RolloutAsync(long id) => (await Store.GetRolloutAsync(id))!;

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }

    private static async Task<Rig> StartAsync(int boards, IReadOnlySet<string>? failing = null)
    {
        var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        foreach (var (id, diagonal) in new[] { ("fc-old", (byte)120), ("fc-new", (byte)121), ("fc-dull", (byte)2) })
        {
            byte[] file = BrightestModel.Build(id, diagonal, ["left", "middle", "right"]);
            var summary = ModelSummary.Of(file);
            registry.Add(new VariantArtifact(id, "brightest", 0, summary.ContentHash, "fc", 1, 0.9, 100, summary, "test", DateTimeOffset.UnixEpoch), file);
        }

        var list = new List<VirtualBoard>();
        for (int i = 0; i < boards; i++)
        {
            string id = $"roll-{i}";
            var board = h.AddBoard(
                new VirtualBoardOptions
                {
                    DeviceId = id,
                    Fleet = "test",
                    HeartbeatIntervalSeconds = 600,
                    InferencesPerMinute = 30,
                    HealthWindowSeconds = 60,
                    FailingVariants = failing ?? new HashSet<string>(),
                    Seed = i + 1,
                },
                port,
                artifactKey: keys.For(id),
                sensor: new NoiseSensor(i));
            list.Add(board);
        }

        // Every board says hello before the first rollout, so the store knows the cohort.
        var rig = new Rig { Harness = h, Store = store, Host = host, Registry = registry, Controller = new RolloutController(store, registry, keys, host), Boards = list, Keys = keys, Port = port };
        await rig.RunUntilAsync(async () => (await store.ListDevicesAsync("test")).Count == boards);
        return rig;
    }

    private static async Task<long> RollOutAndFinishAsync(Rig rig, string variant, string stages)
    {
        var rollout = await rig.Controller.StartAsync(new RolloutRequest(variant, null, VariantAssignment.RolePlugged, "test", null, stages, FastPolicy));
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(rollout.RolloutId)).State != RolloutStates.Active);
        return rollout.RolloutId;
    }

    [Fact]
    public async Task A_healthy_rollout_goes_through_its_stages_and_completes_on_every_device_of_the_cohort()
    {
        await using var rig = await StartAsync(boards: 4);
        long id = await RollOutAndFinishAsync(rig, "fc-old", "50,100");

        var rollout = await rig.RolloutAsync(id);
        Assert.Equal(RolloutStates.Completed, rollout.State);
        Assert.Equal(100, rollout.Percent);
        Assert.StartsWith("completed: healthy", rollout.Reason);
        var devices = await rig.Store.RolloutDevicesAsync(id);
        Assert.Equal(rig.Boards.Select(b => b.DeviceId).Order(), devices.Select(d => d.DeviceId).Order());
        Assert.All(devices, d => Assert.Equal(RolloutDeviceStates.Installed, d.State));
        Assert.All(rig.Boards, b => Assert.Equal("fc-old", b.RunningVariantId));

        // The devices reported their memory in the hello, from their board profile.
        var record = await rig.Store.GetDeviceAsync("roll-0");
        Assert.True(record!.FreeHeapBytes > 0 && record.FreeFlashBytes > 0, $"heap {record.FreeHeapBytes}, flash {record.FreeFlashBytes}");

        // Virtual boards report the kernels of the firmware they simulate: native where the board profile says so.
        bool native = TinyMLOps.Modelling.Boards.BoardCatalog.Default.TryGet(record.Board, out var profile) && profile.NativeKernels;
        Assert.Equal(native ? "native" : "managed", record.KernelBackend);

        // And the downloads' copies were freed once the slots held the models.
        Assert.All(rig.Boards, b => Assert.False(b.Storage.Exists("download.part"), b.DeviceId));
    }

    [Fact]
    public async Task A_rollout_whose_devices_report_errors_rolls_back_every_device_to_the_variant_it_ran_before()
    {
        await using var rig = await StartAsync(boards: 4, failing: new HashSet<string> { "fc-new" });
        await RollOutAndFinishAsync(rig, "fc-old", "100");

        var bad = await rig.Controller.StartAsync(new RolloutRequest("fc-new", null, VariantAssignment.RolePlugged, "test", null, "50,100", FastPolicy));
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(bad.RolloutId)).State == RolloutStates.RolledBack);

        var rollout = await rig.RolloutAsync(bad.RolloutId);
        Assert.StartsWith("automatic: error rate", rollout.Reason);
        Assert.Equal(50, rollout.Percent); // it never reached the second stage
        var devices = await rig.Store.RolloutDevicesAsync(bad.RolloutId);
        Assert.NotEmpty(devices);
        Assert.Contains(devices, d => d.State == RolloutDeviceStates.RolledBack);
        Assert.All(devices, d => Assert.Contains(d.State, new[] { RolloutDeviceStates.RolledBack, RolloutDeviceStates.Cancelled }));

        // One rollout.rolled_back event in the webhook outbox, however many ticks the rollback took.
        var rolledBack = Assert.Single(await rig.Store.FleetEventsAsync(FleetEventTypes.RolloutRolledBack));
        var data = JsonDocument.Parse(rolledBack.Payload).RootElement.GetProperty("data");
        Assert.Equal((bad.RolloutId, "fc-new", "automatic", 50), (data.GetProperty("rolloutId").GetInt64(), data.GetProperty("variantId").GetString(), data.GetProperty("trigger").GetString(), data.GetProperty("percent").GetInt32()));
        Assert.StartsWith("automatic: error rate", data.GetProperty("reason").GetString());

        // Every board runs the old variant again, from its kept slot.
        await rig.RunUntilAsync(() => Task.FromResult(rig.Boards.All(b => b.RunningVariantId == "fc-old")), 20);
        foreach (var d in devices.Where(d => d.State == RolloutDeviceStates.RolledBack))
        {
            var reports = await VariantDelivery.SwitchReportsAsync(rig.Store, d.DeviceId);
            Assert.Contains(reports, r => r.Report.Reason == VariantSwitchPayload.ReasonRolledBack && r.Report.PluggedVariantId == "fc-old");
        }
    }

    [Fact]
    public async Task A_rollout_whose_variant_is_less_confident_than_the_old_one_rolls_back()
    {
        await using var rig = await StartAsync(boards: 3);
        await RollOutAndFinishAsync(rig, "fc-old", "100");

        var dull = await rig.Controller.StartAsync(new RolloutRequest("fc-dull", null, VariantAssignment.RolePlugged, "test", null, "100", FastPolicy));
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(dull.RolloutId)).State == RolloutStates.RolledBack);

        var status = await rig.Controller.StatusAsync(dull.RolloutId);
        Assert.StartsWith("automatic: mean confidence", status.Rollout.Reason);
        Assert.True(status.Candidate.MeanConfidence < status.Baseline.MeanConfidence - FastPolicy.MaxConfidenceDrop, $"{status.Candidate.MeanConfidence} vs {status.Baseline.MeanConfidence}");
        await rig.RunUntilAsync(() => Task.FromResult(rig.Boards.All(b => b.RunningVariantId == "fc-old")), 20);
    }

    [Fact]
    public async Task A_host_restart_between_assignment_and_install_resumes_the_rollout_from_the_store()
    {
        await using var rig = await StartAsync(boards: 2);
        var rollout = await rig.Controller.StartAsync(new RolloutRequest("fc-new", null, VariantAssignment.RolePlugged, "test", null, "100", FastPolicy));

        // The first host assigns (commands in the store, transfers in its memory) and dies before any board runs.
        Assert.Equal(2, await rig.Controller.TickAsync());
        await rig.Host.DisposeAsync();
        Assert.All(await rig.Store.RolloutDevicesAsync(rollout.RolloutId), d => Assert.Equal(RolloutDeviceStates.Assigned, d.State));

        // A new host on the same store and port: its controller starts the lost transfers again.
        rig.Host = await rig.Harness.StartHostAsync(rig.Store, rig.Port, embedded: true, masterKey: MasterKey);
        rig.Harness.Own(rig.Host);
        rig.Host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        rig.Controller = new RolloutController(rig.Store, rig.Registry, rig.Keys, rig.Host);
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(rollout.RolloutId)).State == RolloutStates.Completed);

        Assert.All(rig.Boards, b => Assert.Equal("fc-new", b.RunningVariantId));
        Assert.All(await rig.Store.RolloutDevicesAsync(rollout.RolloutId), d => Assert.Equal(RolloutDeviceStates.Installed, d.State));
        Assert.True(await rig.Harness.DrainAsync(TimeSpan.FromSeconds(30)));
        await rig.Harness.AssertNothingLostAsync(rig.Store);
    }

    [Fact]
    public async Task A_tag_cohort_rollout_reaches_only_matching_devices_and_takes_in_devices_tagged_later()
    {
        await using var rig = await StartAsync(boards: 3);
        var directory = new DeviceDirectory(rig.Store);
        await directory.TagAsync("roll-0", ["site=berlin", "outdoor"], []);
        await directory.TagAsync("roll-1", ["site=paris", "outdoor"], []);
        await directory.TagAsync("roll-2", ["site=berlin", "beta"], []);

        // A long soak keeps the rollout running at 100% after the first installs, so later matches can join.
        var policy = FastPolicy with { Soak = TimeSpan.FromHours(1) };
        var rollout = await rig.Controller.StartAsync(new RolloutRequest("fc-old", null, VariantAssignment.RolePlugged, "test", null, "100", policy, "outdoor and (site=berlin or site=paris) and not beta"));
        Assert.Equal("outdoor and (site=berlin or site=paris) and not beta", rollout.Cohort);
        async Task<Dictionary<string, string>> EntriesAsync() =>
            (await rig.Store.RolloutDevicesAsync(rollout.RolloutId)).ToDictionary(d => d.DeviceId, d => d.State);
        await rig.RunUntilAsync(async () => (await EntriesAsync()).Count(e => e.Value == RolloutDeviceStates.Installed) == 2);
        Assert.Equal(["roll-0", "roll-1"], (await EntriesAsync()).Keys.Order());
        Assert.NotEqual("fc-old", rig.Boards[2].RunningVariantId);

        // Leaving the beta puts roll-2 in the cohort: the next reconcile assigns it.
        await directory.TagAsync("roll-2", ["outdoor"], ["beta"]);
        await rig.RunUntilAsync(async () => (await EntriesAsync()).GetValueOrDefault("roll-2") == RolloutDeviceStates.Installed);
        Assert.Equal("fc-old", rig.Boards[2].RunningVariantId);
        Assert.Equal(RolloutStates.Active, (await rig.RolloutAsync(rollout.RolloutId)).State);

        // A decommissioned device leaves the running rollout and no later rollout takes it.
        var gone = await new Decommissioner(rig.Store).DecommissionAsync("roll-1", "replaced");
        Assert.Equal([rollout.RolloutId], gone.RolloutsLeft);
        Assert.Equal(RolloutDeviceStates.Decommissioned, (await EntriesAsync())["roll-1"]);
        Assert.DoesNotContain(await directory.CohortAsync("test", null, "outdoor"), d => d.DeviceId == "roll-1");
    }

    [Fact]
    public async Task A_paused_rollout_assigns_nothing_and_stays_at_its_stage_until_resumed()
    {
        await using var rig = await StartAsync(boards: 2);
        var rollout = await rig.Controller.StartAsync(new RolloutRequest("fc-old", null, VariantAssignment.RolePlugged, "test", null, "50,100", FastPolicy));
        var paused = await rig.Controller.PauseAsync(rollout.RolloutId, "change freeze");
        Assert.Equal((RolloutStates.Paused, "paused at stage 50%: change freeze"), (paused.State, paused.Reason));
        await Assert.ThrowsAsync<ArgumentException>(() => rig.Controller.ResumeAsync(9999));

        for (int i = 0; i < 5; i++)
        {
            rig.Harness.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 10);
            Assert.Equal(0, await rig.Controller.TickAsync());
        }

        Assert.Empty(await rig.Store.RolloutDevicesAsync(rollout.RolloutId));
        Assert.Equal((RolloutStates.Paused, 50), ((await rig.RolloutAsync(rollout.RolloutId)).State, (await rig.RolloutAsync(rollout.RolloutId)).Percent));
        Assert.Contains(await rig.Store.ListRolloutsAsync(unfinishedOnly: true), r => r.RolloutId == rollout.RolloutId);

        var resumed = await rig.Controller.ResumeAsync(rollout.RolloutId);
        Assert.Equal((RolloutStates.Active, 50), (resumed.State, resumed.Percent));
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(rollout.RolloutId)).State == RolloutStates.Completed);
        Assert.All(rig.Boards, b => Assert.Equal("fc-old", b.RunningVariantId));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Controller.PauseAsync(rollout.RolloutId, "too late"));
    }

    [Fact]
    public async Task A_paused_rollout_can_still_roll_back_and_abort_stops_without_rolling_back()
    {
        await using var rig = await StartAsync(boards: 2);
        await RollOutAndFinishAsync(rig, "fc-old", "100");

        // A paused rollout with installs rolls back when asked.
        var paused = await rig.Controller.StartAsync(new RolloutRequest("fc-new", null, VariantAssignment.RolePlugged, "test", null, "100", FastPolicy with { Soak = TimeSpan.FromHours(1) }));
        await rig.RunUntilAsync(async () => (await rig.Store.RolloutDevicesAsync(paused.RolloutId)).Count(d => d.State == RolloutDeviceStates.Installed) == 2);
        await rig.Controller.PauseAsync(paused.RolloutId, "investigating");
        await rig.Controller.RollBackAsync(paused.RolloutId, "bad field reports");
        await rig.RunUntilAsync(async () => (await rig.RolloutAsync(paused.RolloutId)).State == RolloutStates.RolledBack);
        Assert.StartsWith("manual: bad field reports", (await rig.RolloutAsync(paused.RolloutId)).Reason);
        await rig.RunUntilAsync(() => Task.FromResult(rig.Boards.All(b => b.RunningVariantId == "fc-old")), 20);

        // Abort right after assignment: the deliveries still pending are cancelled, nothing is rolled back, and the
        // controller leaves the rollout alone from then on.
        var aborted = await rig.Controller.StartAsync(new RolloutRequest("fc-new", null, VariantAssignment.RolePlugged, "test", null, "100", FastPolicy));
        Assert.Equal(2, await rig.Controller.TickAsync());
        var stopped = await rig.Controller.AbortAsync(aborted.RolloutId, "wrong build");
        Assert.Equal((RolloutStates.Aborted, "aborted at stage 100%: wrong build"), (stopped.State, stopped.Reason));
        Assert.All(await rig.Store.RolloutDevicesAsync(aborted.RolloutId), d => Assert.Equal(RolloutDeviceStates.Cancelled, d.State));
        Assert.DoesNotContain(await rig.Store.ListRolloutsAsync(unfinishedOnly: true), r => r.RolloutId == aborted.RolloutId);
        Assert.Equal(0, await rig.Controller.TickAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Controller.ResumeAsync(aborted.RolloutId));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Controller.AbortAsync(aborted.RolloutId, "twice"));
    }
}
