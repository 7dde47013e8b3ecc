using System.Text.Json;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Devices;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Host.Tests.Modelling.Quantization;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Federated.Rounds;

/// <summary>
/// Federated rounds end to end over the embedded broker: virtual boards run the real int8 model, get labels as simulated
/// user feedback, train the head when the round lets them, and upload compressed deltas through their outbox; the
/// coordinator aggregates, re-quantizes, gates and releases. The base model is a trained MLP whose last layer "never learned"
/// one class, so a round that learns from the devices' labels shows as a clear gain on the held-out set.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class RoundCoordinatorTests
{
    private const int Trouser = 1;

    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)((i * 11) + 5))];

    private static RoundData Sets { get; } = new(TestData.Fashion.HeldOut.Take(1000), TestData.Fashion.Test);

    private static readonly Lazy<(byte[] File, double Accuracy, double Intact)> Damaged = new(() =>
    {
        var model = HeadTestModels.Base();
        var head = TrainableHead.Find(model, 1);
        var tensors = head.NewTensors();
        head.Dequantize(model, tensors);
        // The model "never learned" trousers: class 1's row is cleared and its bias pushed far down, so it is never predicted.
        int inputs = head.Inputs(0);
        Array.Clear(tensors[0], Trouser * inputs, inputs);
        tensors[1][Trouser] = -4f;
        var damaged = HeadQuantizer.Requantize(model, head, tensors, Sets.Calibration, "mlp-base");
        return (damaged.File, Evaluation.Evaluate(damaged.Model, Sets.HeldOut).Accuracy, Evaluation.Evaluate(model, Sets.HeldOut).Accuracy);
    });

    private sealed class SimTime(SimClock clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.Now;
    }

    private sealed class Rig : IAsyncDisposable
    {
        public required SyncHarness Harness { get; init; }

        public required IFleetStore Store { get; init; }

        public required SyncHost Host { get; set; }

        public required VariantRegistry Registry { get; init; }

        public required DeviceKeys Keys { get; init; }

        public required int Port { get; init; }

        public required List<VirtualBoard> Boards { get; init; }

        public RolloutController Rollouts => new(Store, Registry, Keys, Host);

        public RoundCoordinator Coordinator => new(Store, Registry, Rollouts, Sets, Host, time: new SimTime(Harness.Clock));

        public async Task RunUntilAsync(Func<Task<bool>> done, int maxSteps = 300)
        {
            var rollouts = Rollouts;
            var coordinator = Coordinator;
            for (int step = 0; step < maxSteps; step++)
            {
                Harness.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 10);
                await rollouts.TickAsync();
                await coordinator.TickAsync();
                if (await done())
                {
                    return;
                }
            }

            throw new TimeoutException("the round did not get there: " + await DescribeAsync());
        }

        public async Task<string> DescribeAsync()
        {
            var lines = new List<string>();
            foreach (var r in await Store.ListRoundsAsync())
            {
                var p = await Store.RoundParticipantsAsync(r.RoundId);
                lines.Add($"{r.RoundId} {r.State} {r.Reason} deadline {r.Deadline:u} now {Harness.Clock.Now:u} | " + string.Join(", ", p.Select(x => $"{x.DeviceId}:{x.State}:{x.Detail}")));
            }

            return string.Join(" / ", lines) + " | boards " + string.Join(", ", Boards.Select(b => $"{b.DeviceId} {b.RunningVariantId} {b.Device.Learning?.State} samples {b.Device.Learning?.Samples.Count}"));
        }

        public async Task<RoundRecord> RoundAsync(string id) => (await Store.GetRoundAsync(id))!;

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }

    /// <summary>Boards that each see their own slice of the training set (or only the given classes) and label every sample.</summary>
    private static async Task<Rig> StartAsync(int boards, IReadOnlySet<int>? classes = null, Func<int, VirtualBoardOptions, VirtualBoardOptions>? tune = null)
    {
        var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        var (file, accuracy, _) = Damaged.Value;
        var summary = ModelSummary.Of(file);
        registry.Add(new VariantArtifact("mlp-base", "fashion", 0, summary.ContentHash, "mlp", 1, accuracy, Sets.HeldOut.Count, summary, "damaged head", DateTimeOffset.UnixEpoch), file);

        var list = new List<VirtualBoard>();
        for (int i = 0; i < boards; i++)
        {
            string id = $"learn-{i}";
            var slice = TestData.Fashion.Train.Slice(i * 2000, 2000);
            if (classes != null)
            {
                slice = Only(slice, classes);
            }

            var options = new VirtualBoardOptions
            {
                DeviceId = id,
                Fleet = "test",
                Board = "esp32-s3", // PSRAM: room for the head's training (an esp32-devkitc declines it)
                HeartbeatIntervalSeconds = 600,
                InferencesPerMinute = 60,
                FeedbackRate = 1.0,
                SampleCapacity = 256,
                Seed = i + 1,
            };
            list.Add(h.AddBoard(tune?.Invoke(i, options) ?? options, port, artifactKey: keys.For(id), sensor: new DatasetSensor(slice)));
        }

        var rig = new Rig { Harness = h, Store = store, Host = host, Registry = registry, Boards = list, Keys = keys, Port = port };

        // The boards run the base variant (a completed rollout) and collect labelled samples before any round.
        var rollout = await rig.Rollouts.StartAsync(new RolloutRequest("mlp-base", null, VariantAssignment.RolePlugged, "test", null, "100", new RolloutPolicy { MinInferences = 10, Soak = TimeSpan.Zero }));
        await rig.RunUntilAsync(async () => (await store.GetRolloutAsync(rollout.RolloutId))!.State != RolloutStates.Active
            && list.All(b => b.Options.FeedbackRate == 0 || b.Device.Learning!.Samples.Count >= 200));
        Assert.Equal(RolloutStates.Completed, (await store.GetRolloutAsync(rollout.RolloutId))!.State);
        return rig;
    }

    private static RoundConfig Config => new()
    {
        VariantId = "mlp-base",
        Fleet = "test",
        Layers = 1,
        Epochs = 2,
        BatchSize = 16,
        LearningRate = 0.02f,
        ClipNorm = 50f,
        KeepFraction = 0.5f,
        MinSamples = 100,
        MaxSamples = 256,
        MinParticipants = 2,
        TargetParticipants = 10,
        Deadline = TimeSpan.FromHours(2),
        RolloutStages = "100",
        RolloutSoak = TimeSpan.Zero,
        RolloutMinInferences = 10,
    };

    // Dress took every trouser while trousers were never predicted: repairing them gives back the recall Dress got that
    // way, so the operator allows a class to lose 15 points when the whole gains (the default 2 holds this back).
    private static RoundConfig Repair => Config with { MaxClassDropPoints = 15 };

    [Fact]
    public async Task A_round_learns_from_device_labels_passes_the_gate_and_rolls_the_candidate_out_to_the_fleet()
    {
        var (_, damaged, intact) = Damaged.Value;
        Assert.True(intact - damaged > 0.05, $"the damage must show: {damaged:P2} against {intact:P2}");
        await using var rig = await StartAsync(boards: 4);

        var round = await rig.Coordinator.StartAsync(Repair);
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var done = await rig.RoundAsync(round.RoundId);
        var result = RoundResult.FromJson(done.Result);
        Assert.True(done.State == RoundStates.Released, $"{done.State}: {done.Reason} {await rig.DescribeAsync()}");
        Assert.Equal(4, result.Uploaded);
        Assert.Equal(4 * 256, result.Samples);
        Assert.True(result.CandidateAccuracy > result.CurrentAccuracy + 0.03, $"candidate {result.CandidateAccuracy:P2}, current {result.CurrentAccuracy:P2}");
        Assert.True(result.CurrentPerClass[Trouser] < 0.05 && result.CandidatePerClass[Trouser] > 0.8, $"trousers {result.CurrentPerClass[Trouser]:P1} -> {result.CandidatePerClass[Trouser]:P1}");
        Assert.Empty(result.GateReasons);

        // Compressed: int8 at half the coordinates against Flower's float32 arrays of the same head.
        Assert.True(result.DeltaBytes * 4 < result.Float32Bytes, $"{result.DeltaBytes} B against {result.Float32Bytes} B");
        Assert.All(await rig.Store.RoundParticipantsAsync(round.RoundId), p => Assert.Equal(ParticipantStates.Uploaded, p.State));

        // Registered as a new variant and rolled out; every board ends up running it.
        string released = RoundCoordinator.ReleaseVariantId(done);
        Assert.Equal(released, done.CandidateVariantId);
        Assert.NotNull(rig.Registry.Find(released));
        Assert.NotNull(done.RolloutId);
        var releasedEvent = JsonDocument.Parse(Assert.Single(await rig.Store.FleetEventsAsync(FleetEventTypes.RoundReleased)).Payload).RootElement.GetProperty("data");
        Assert.Equal((round.RoundId, released, done.RolloutId!.Value, "pass"), (releasedEvent.GetProperty("roundId").GetString(), releasedEvent.GetProperty("candidateVariantId").GetString(), releasedEvent.GetProperty("rolloutId").GetInt64(), releasedEvent.GetProperty("gate").GetProperty("verdict").GetString()));
        Assert.Equal(result.CandidateAccuracy, releasedEvent.GetProperty("gate").GetProperty("candidateAccuracy").GetDouble());
        await rig.RunUntilAsync(async () => (await rig.Store.GetRolloutAsync(done.RolloutId!.Value))!.State == RolloutStates.Completed);
        Assert.All(rig.Boards, b => Assert.Equal(released, b.RunningVariantId));
        Assert.True(await rig.Harness.DrainAsync(TimeSpan.FromSeconds(30)));
        await rig.Harness.AssertNothingLostAsync(rig.Store);
    }

    [Fact]
    public async Task A_round_whose_devices_only_saw_two_classes_is_held_back_by_the_gate_naming_the_forgotten_classes()
    {
        await using var rig = await StartAsync(boards: 3, classes: new HashSet<int> { 1, 8 });

        var round = await rig.Coordinator.StartAsync(Config with { LearningRate = 0.5f, Epochs = 20 });
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var done = await rig.RoundAsync(round.RoundId);
        var result = RoundResult.FromJson(done.Result);
        Assert.True(done.State == RoundStates.Rejected, $"{done.State}: {done.Reason}");
        Assert.Contains(result.GateReasons, r => r.StartsWith("class '", StringComparison.Ordinal));
        Assert.Null(done.CandidateVariantId);
        Assert.Null(done.RolloutId);
        Assert.Single(rig.Registry.Versions);
        Assert.All(rig.Boards, b => Assert.Equal("mlp-base", b.RunningVariantId));
    }

    [Fact]
    public async Task A_poisoned_device_drags_FedAvg_below_the_gate_while_the_trimmed_mean_outvotes_it()
    {
        await using var rig = await StartAsync(boards: 5, tune: (i, o) => i == 0 ? o with { PoisonUpdates = true } : o);

        var plain = await rig.Coordinator.StartAsync(Repair with { Strategy = "fedavg", Rollout = false });
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(plain.RoundId)).State));
        var trimmed = await rig.Coordinator.StartAsync(Repair with { Strategy = "trimmed", TrimFraction = 0.2, Rollout = false });
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(trimmed.RoundId)).State));

        var poisoned = await rig.RoundAsync(plain.RoundId);
        var robust = await rig.RoundAsync(trimmed.RoundId);
        var poisonedResult = RoundResult.FromJson(poisoned.Result);
        var robustResult = RoundResult.FromJson(robust.Result);
        Assert.Equal(5, poisonedResult.Uploaded);
        Assert.Equal(5, robustResult.Uploaded);
        Assert.True(poisoned.State == RoundStates.Rejected, $"FedAvg: {poisoned.State}: {poisoned.Reason}");
        Assert.True(robust.State == RoundStates.Released, $"trimmed mean: {robust.State}: {robust.Reason}");
        Assert.Equal(2, robustResult.ClientsTrimmed);
        Assert.True(robustResult.CandidateAccuracy > poisonedResult.CandidateAccuracy + 0.05, $"trimmed {robustResult.CandidateAccuracy:P2}, FedAvg {poisonedResult.CandidateAccuracy:P2}");
    }

    [Fact]
    public async Task A_host_restart_mid_round_resumes_from_the_store_and_counts_each_delta_once()
    {
        await using var rig = await StartAsync(boards: 3);
        var round = await rig.Coordinator.StartAsync(Repair with { Rollout = false });

        // The first host invites (commands in the store) and dies before any delta is in.
        await rig.Coordinator.TickAsync();
        Assert.Equal(RoundStates.Collecting, (await rig.RoundAsync(round.RoundId)).State);
        await rig.Host.DisposeAsync();

        rig.Host = await rig.Harness.StartHostAsync(rig.Store, rig.Port, embedded: true, masterKey: MasterKey);
        rig.Harness.Own(rig.Host);
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var done = await rig.RoundAsync(round.RoundId);
        Assert.True(done.State == RoundStates.Released, $"{done.State}: {done.Reason}");
        var result = RoundResult.FromJson(done.Result);
        Assert.Equal(3, result.Uploaded);
        Assert.Equal(3, result.ClientsUsed);
        Assert.Null(done.RolloutId);

        // One invitation per board, each answered, and each board trained and uploaded once.
        var participants = await rig.Store.RoundParticipantsAsync(round.RoundId);
        Assert.Equal(3, participants.Select(p => p.CommandId).Distinct().Count());
        foreach (var p in participants)
        {
            Assert.Equal(CommandResultPayload.Ok, (await rig.Store.GetCommandAsync(p.CommandId!.Value))!.Status);
        }

        Assert.All(rig.Boards, b => Assert.Equal(1, b.Device.Learning!.RoundsUploaded));
    }

    [Fact]
    public async Task A_device_without_labels_declines_a_device_gone_dark_straggles_and_the_round_fails_below_its_minimum()
    {
        await using var rig = await StartAsync(boards: 3, tune: (i, o) => i == 0 ? o with { FeedbackRate = 0 } : o);

        var round = await rig.Coordinator.StartAsync(Config with { MinParticipants = 2, Deadline = TimeSpan.FromMinutes(20), Rollout = false });

        // Board 1 leaves the field before its invitation reaches it.
        Assert.True(rig.Harness.Fleet.Remove(rig.Boards[1]));
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var done = await rig.RoundAsync(round.RoundId);
        Assert.Equal(RoundStates.Failed, done.State);
        Assert.Contains("1 delta(s) by the deadline, 2 needed", done.Reason);
        var participants = (await rig.Store.RoundParticipantsAsync(round.RoundId)).ToDictionary(p => p.DeviceId);
        Assert.Equal(ParticipantStates.Declined, participants["learn-0"].State);
        Assert.Contains("samples", participants["learn-0"].Detail);
        Assert.Equal(ParticipantStates.Straggler, participants["learn-1"].State);
        Assert.Equal(ParticipantStates.Uploaded, participants["learn-2"].State);
        Assert.Equal(1, RoundResult.FromJson(done.Result).Stragglers);
    }

    [Fact]
    public async Task Devices_whose_learning_consent_is_off_or_not_granted_are_not_invited()
    {
        string[] consents = ["drift:on,learning:off,telemetry:on", "drift:on,learning:ask,telemetry:on", "drift:on,learning:on,telemetry:on"];
        await using var rig = await StartAsync(boards: 3, tune: (i, o) => o with { Consent = consents[i] });

        var round = await rig.Coordinator.StartAsync(Config with { MinParticipants = 1, Rollout = false });
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var participants = await rig.Store.RoundParticipantsAsync(round.RoundId);
        Assert.Equal(["learn-2"], participants.Select(p => p.DeviceId));
        Assert.Equal(1, RoundResult.FromJson((await rig.RoundAsync(round.RoundId)).Result).Invited);
        Assert.Equal(0, rig.Boards[0].Device.Learning!.RoundsUploaded);
        Assert.Equal(1, rig.Boards[2].Device.Learning!.RoundsUploaded);
    }

    [Fact]
    public async Task A_tag_cohort_round_invites_only_matching_devices_and_those_that_come_to_match_while_it_collects()
    {
        await using var rig = await StartAsync(boards: 3);
        var directory = new DeviceDirectory(rig.Store);
        await directory.TagAsync("learn-0", ["site=berlin"], []);
        await directory.TagAsync("learn-1", ["site=berlin"], []);

        var round = await rig.Coordinator.StartAsync(Config with { Cohort = "site=berlin and board:esp32-s3", MinParticipants = 3, Rollout = false });
        Assert.Equal("site=berlin and board:esp32-s3", round.Cohort);
        await rig.Coordinator.TickAsync();
        Assert.Equal(["learn-0", "learn-1"], (await rig.Store.RoundParticipantsAsync(round.RoundId)).Select(p => p.DeviceId));

        // Tagged while the round collects: the next tick invites it with the same deadline.
        await directory.TagAsync("learn-2", ["site=berlin"], []);
        await rig.RunUntilAsync(async () => RoundStates.IsFinished((await rig.RoundAsync(round.RoundId)).State));

        var done = await rig.RoundAsync(round.RoundId);
        var participants = (await rig.Store.RoundParticipantsAsync(round.RoundId)).ToDictionary(p => p.DeviceId);
        Assert.Equal(["learn-0", "learn-1", "learn-2"], participants.Keys.Order());
        Assert.True(participants["learn-2"].InvitedAt > participants["learn-0"].InvitedAt, "learn-2 was invited after the round began collecting");
        Assert.All(participants.Values, p => Assert.Equal(ParticipantStates.Uploaded, p.State));
        Assert.Equal(3, RoundResult.FromJson(done.Result).Invited);
        Assert.Equal(1, rig.Boards[2].Device.Learning!.RoundsUploaded);
    }

    private static ImageDataset Only(ImageDataset data, IReadOnlySet<int> classes)
    {
        var keep = Enumerable.Range(0, data.Count).Where(i => classes.Contains(data.Labels[i])).ToArray();
        var pixels = new byte[keep.Length * data.PixelsPerImage];
        var labels = new byte[keep.Length];
        for (int k = 0; k < keep.Length; k++)
        {
            Array.Copy(data.Pixels, keep[k] * data.PixelsPerImage, pixels, k * data.PixelsPerImage, data.PixelsPerImage);
            labels[k] = data.Labels[keep[k]];
        }

        return new ImageDataset(data.Name + "-only", data.Height, data.Width, data.Channels, pixels, labels, data.ClassNames);
    }

}
