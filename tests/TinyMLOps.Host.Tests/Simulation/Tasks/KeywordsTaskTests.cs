using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.Signals;
using TinyMLOps.Simulation.Tasks;
using TinyMLOps.Simulation.VirtualBoards;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Simulation.Tasks;

/// <summary>
/// The keyword task end to end on the virtual fleet: a generated corpus through the fixed-point MFCC, the family trained,
/// quantized and costed on every board, a noisy room raising drift on the boards that hear it, and a new speaker's
/// federated round gated per class on the held-out speakers.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class KeywordsTaskTests(KeywordsTaskFixture fixture, ITestOutputHelper output) : IClassFixture<KeywordsTaskFixture>
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)((i * 7) + 3))];

    [AudioToolsFact]
    public void The_family_carries_the_mfcc_front_end_is_costed_on_every_board_and_int8_stays_near_float()
    {
        var s = fixture.Value;
        output.WriteLine(s.Log);
        Assert.Same(KeywordsTask.Instance, TaskCatalog.Find("keywords"));
        Assert.IsType<KeywordsScenario>(TaskCatalog.ScenarioFor(KeywordsTask.Instance));
        Assert.Equal((49, 10, 1), (s.Splits.Train.Height, s.Splits.Train.Width, s.Splits.Train.Channels));
        Assert.Equal(12, s.Splits.HeldOut.ClassCount);
        Assert.All(s.Splits.HeldOut.ClassHistogram(), n => Assert.True(n > 0));

        string mfcc = AudioFeatures.KeywordMfcc().Describe();
        BoardProfile c3 = BoardCatalog.Default.Get("esp32-c3");
        foreach (var (artifact, file) in s.Family)
        {
            Int8Model model = ModelReader.Read(file);
            Assert.Equal(mfcc, Assert.IsType<Mfcc>(model.FrontEnd).Describe());
            Assert.NotNull(model.DriftProfile);
            Assert.Equal("keywords", artifact.ModelId);
            var costs = CostModel.EstimateAll(BoardCatalog.Default.All, artifact.Summary);
            Assert.Equal(BoardCatalog.Default.All.Count, costs.Count);
            Assert.All(costs, c => Assert.True(c.Macs > 0 && c.RamBytes > c.FlashBytes));
            output.WriteLine($"{artifact.VariantId}: int8 {artifact.Accuracy:P2}, {artifact.Summary.Macs:N0} MACs, flash {artifact.Summary.FlashBytes:N0} B, RAM {CostModel.RamBytes(artifact.Summary):N0} B; "
                + string.Join(", ", costs.Select(c => c.Fits ? $"{c.BoardId} {c.LatencyMs:F1} ms" : $"{c.BoardId} does not fit")));

            // Twelve classes: well above the 8 % of a guess.
            Assert.True(artifact.Accuracy > 0.4, $"{artifact.VariantId}: {artifact.Accuracy:P2}");
        }

        // The narrowest variant fits the smallest board; the widest MLP (62k weights) does not, for RAM.
        var narrow = s.Family.Single(v => v.Artifact.VariantId == "mlp-w0.25").Artifact;
        var wide = s.Family.Single(v => v.Artifact.VariantId == "mlp-w1").Artifact;
        Assert.True(CostModel.Estimate(c3, narrow.Summary).Fits, CostModel.Estimate(c3, narrow.Summary).Reason);
        Assert.Contains("RAM", CostModel.Estimate(c3, wide.Summary).Reason ?? string.Empty);

        Assert.True(s.FloatAccuracy > 0.5, $"float {s.FloatAccuracy:P2}");
        Assert.True(Math.Abs(s.Int8Accuracy - s.FloatAccuracy) <= 0.03, $"int8 {s.Int8Accuracy:P2} against float {s.FloatAccuracy:P2}");
    }

    [AudioToolsFact]
    public void A_wav_corpus_of_ones_own_loads_by_its_train_and_test_parts_or_a_seeded_split()
    {
        _ = fixture.Value;
        string dir = KeywordsTask.CacheFolder(KeywordsTask.Plan(new TaskLoadOptions { Small = true, Seed = 1 }));

        // The generated corpus read as a user's: every voice stays in (no new speaker is held out of user data).
        var parts = KeywordsTask.Instance.Load(new TaskLoadOptions { Data = dir });
        Assert.Equal((12 * 80, 12 * 20), (parts.Train.Count, parts.HeldOut.Count));
        Assert.Null(KeywordsTask.NewVoiceClips(parts));
        Assert.Equal(KeywordVocabulary.Classes, parts.Train.ClassNames);
        Assert.All(parts.HeldOut.ClassHistogram(), n => Assert.Equal(20, n));
        Assert.Equal((49, 10, 16000), (parts.HeldOut.Height, parts.HeldOut.Width, parts.HeldOut.RawLength));

        // One folder of class folders: a fifth held out by the seed.
        var seeded = KeywordsTask.Instance.Load(new TaskLoadOptions { Data = Path.Combine(dir, "train"), Seed = 3 });
        Assert.Equal(12 * 80, seeded.Train.Count + seeded.HeldOut.Count);
        Assert.Equal(192, seeded.HeldOut.Count);
    }

    [AudioToolsFact]
    public async Task A_noisy_room_raises_drift_on_the_boards_that_hear_it_and_not_before()
    {
        var s = fixture.Value;
        var scenario = TaskCatalog.ScenarioFor(KeywordsTask.Instance);
        var (artifact, file) = s.Family.Single(v => v.Artifact.VariantId == "cnn-w0.5");
        var clock = Stopwatch.StartNew();
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        registry.Add(artifact, file);
        var store = h.OpenSqlite();
        h.Own(store);
        var host = await SyncHost.StartAsync(new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-kws", MaxBatch = 256, VariantRegistryPath = registry.Root }, store, NullLoggerFactory.Instance);
        h.Own(host);

        var shiftAt = TimeSpan.FromMinutes(60);
        const int Boards = 4;
        for (int i = 0; i < Boards; i++)
        {
            var options = new VirtualBoardOptions
            {
                DeviceId = $"mic-{i}",
                Fleet = "kws",
                Board = "esp32-s3",
                HeartbeatIntervalSeconds = 3600,
                InferencesPerMinute = 30,
                DriftWindowSeconds = 600,
                Shift = i < 2 ? scenario.DriftShift(shiftAt) : null,
                Seed = i + 1,
            };
            h.AddBoard(options, port, sensor: scenario.CreateSensor(s.Splits, i, Boards, h.Clock, i + 1), model: file);
        }

        // An hour in a quiet room (six windows), then half an hour in a noisy one for the first two boards.
        h.Run(TimeSpan.FromMinutes(91), TimeSpan.FromMinutes(1), pauseMillis: 5);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        await MosquittoSyncTests.WaitUntilAsync(() => store.DriftWindowsAsync(new DriftWindowQuery()).Result.Count >= Boards * 9);

        var windows = await store.DriftWindowsAsync(new DriftWindowQuery { Fleet = "kws" });
        Assert.All(windows, w => Assert.True(w.Scored && w.VariantId == artifact.VariantId));
        var devices = new DriftAnalyzer(DriftProfiles.FromRegistry(registry)).Devices(windows);
        foreach (var d in devices)
        {
            output.WriteLine($"{d.DeviceId}: " + string.Join(" ", d.Windows.Select(w => $"{w.Record.WindowStart / 60:F0}m:{(w.Score.Drifted ? "D" : "-")}{w.Score.InputExcess:F2}/{w.Score.Classes.Excess:F2}/{w.Score.Confidence.Excess:F2}")));
        }

        // The input (the MFCC coefficients' histograms) drifts on the noisy boards from the shift on, far above anything
        // before it or on the quiet boards. The confidence and class mix differ from the training profile on every board
        // (the held-out speakers are voices the small corpus's models did not train on), so those parts are not asserted.
        bool InputDrifted((DriftWindowRecord Record, WindowScore Score) w) => w.Score.DriftedGroups.Count > 0;
        bool After((DriftWindowRecord Record, WindowScore Score) w) => w.Record.WindowStart >= shiftAt.TotalSeconds;
        var noisy = devices.Where(d => d.DeviceId is "mic-0" or "mic-1").ToList();
        var quiet = devices.Where(d => d.DeviceId is "mic-2" or "mic-3").ToList();
        Assert.Equal(2, noisy.Count);
        Assert.Equal(2, quiet.Count);
        double noisyMin = noisy.SelectMany(d => d.Windows.Where(After)).Min(w => w.Score.InputExcess);
        double cleanMax = devices.SelectMany(d => d.Windows.Where(w => !After(w) || quiet.Contains(d))).Max(w => w.Score.InputExcess);
        Assert.True(noisyMin > 5 * cleanMax, $"MFCC excess after the shift {noisyMin:F2}, elsewhere up to {cleanMax:F2}");
        foreach (var d in noisy)
        {
            Assert.All(d.Windows.Where(After), w => Assert.True(InputDrifted(w)));
            Assert.NotEmpty(Assert.IsType<DriftAlert>(d.Alert).Features);
        }

        // No quiet board has two input-drifted windows in a row (what opens an alert).
        Assert.All(quiet, d => Assert.DoesNotContain(d.Windows.Zip(d.Windows.Skip(1)), p => InputDrifted(p.First) && InputDrifted(p.Second)));
        var firstNoisy = noisy.Select(d => d.Windows.First(w => After(w) && InputDrifted(w)).Record.WindowStart).Max();
        output.WriteLine($"noisy room: MFCC input drift in the first window after the shift on both boards, flagged {(firstNoisy + 600 - shiftAt.TotalSeconds) / 60:F0} min after it (window end); "
            + $"excess {noisyMin:F2} to {noisy.SelectMany(d => d.Windows.Where(After)).Max(w => w.Score.InputExcess):F2} against at most {cleanMax:F2} before it and on quiet boards");

        output.WriteLine($"drift run {clock.Elapsed.TotalSeconds:F1} s");
    }

    [AudioToolsFact]
    public async Task A_new_speakers_round_is_gated_per_class_on_the_held_out_speakers()
    {
        var s = fixture.Value;
        var (artifact, file) = s.Family.Single(v => v.Artifact.VariantId == "cnn-w0.5");
        SignalSet voice = KeywordsTask.NewVoiceClips(s.Splits)!;
        Assert.DoesNotContain(voice.ClassNames.ToList().IndexOf(KeywordVocabulary.Silence), Enumerable.Range(0, voice.Count).Select(voice.Label));
        double before = Evaluation.Evaluate(ModelReader.Read(file), voice).Accuracy;

        var clock = Stopwatch.StartNew();
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        registry.Add(artifact, file);
        var data = new RoundData(s.Splits.Calibration, s.Splits.HeldOut);
        var time = new SimTime(h.Clock);
        RolloutController Rollouts() => new(store, registry, keys, host);
        RoundCoordinator Coordinator() => new(store, registry, Rollouts(), data, host, time: time);

        const int Boards = 3;
        var boards = new List<VirtualBoard>();
        for (int i = 0; i < Boards; i++)
        {
            var options = new VirtualBoardOptions
            {
                DeviceId = $"speaker-{i}",
                Fleet = "kws",
                Board = "esp32-s3",
                HeartbeatIntervalSeconds = 600,
                InferencesPerMinute = 60,
                FeedbackRate = 1.0,
                SampleCapacity = 256,
                HealthWindowSeconds = 600,
                Seed = i + 1,
            };
            boards.Add(h.AddBoard(options, port, artifactKey: keys.For(options.DeviceId), sensor: KeywordsScenario.NewSpeakerSensor(s.Splits, i, Boards)));
        }

        RolloutRecord? rollout = null;
        async Task RunUntilAsync(Func<Task<bool>> done)
        {
            var rollouts = Rollouts();
            var coordinator = Coordinator();
            for (int step = 0; step < 200; step++)
            {
                h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 10);
                await rollouts.TickAsync();
                await coordinator.TickAsync();
                if (await done())
                {
                    return;
                }
            }

            var rounds = await store.ListRoundsAsync();
            var rolloutStatus = await Rollouts().StatusAsync(rollout!.RolloutId);
            output.WriteLine($"rollout {rolloutStatus.Rollout.State} {rolloutStatus.Rollout.Reason} verdict {rolloutStatus.Verdict.Reason}");
            throw new TimeoutException("the fleet did not get there: " + string.Join(" / ", rounds.Select(r => $"{r.RoundId} {r.State} {r.Reason}"))
                + " | " + string.Join(", ", boards.Select(b => $"{b.DeviceId} running {b.RunningVariantId} inferences {b.Inferences} learning {b.Device.Learning?.State} samples {b.Device.Learning?.Samples.Count}")));
        }

        rollout = await Rollouts().StartAsync(new RolloutRequest(artifact.VariantId, null, VariantAssignment.RolePlugged, "kws", null, "100", new RolloutPolicy { MinInferences = 10, Soak = TimeSpan.Zero }));
        await RunUntilAsync(async () => (await store.GetRolloutAsync(rollout.RolloutId))!.State != RolloutStates.Active && boards.All(b => b.Device.Learning!.Samples.Count >= 200));
        Assert.Equal(RolloutStates.Completed, (await store.GetRolloutAsync(rollout.RolloutId))!.State);

        var config = new RoundConfig
        {
            VariantId = artifact.VariantId,
            Fleet = "kws",
            Layers = 1,
            Epochs = 2,
            BatchSize = 16,
            LearningRate = 0.02f,
            ClipNorm = 50f,
            KeepFraction = 0.5f,
            MinSamples = 100,
            MaxSamples = 256,
            MinParticipants = 2,
            Deadline = TimeSpan.FromHours(2),
            Rollout = false,
            MaxClassDropPoints = 5,
        };
        var round = await Coordinator().StartAsync(config);
        await RunUntilAsync(async () => RoundStates.IsFinished((await store.GetRoundAsync(round.RoundId))!.State));
        var done = (await store.GetRoundAsync(round.RoundId))!;
        var result = RoundResult.FromJson(done.Result);
        Assert.True(done.State is RoundStates.Released or RoundStates.Rejected, $"{done.State}: {done.Reason}");
        Assert.Equal(Boards, result.Uploaded);

        // Gated on the held-out speakers: the current model's figures are the variant's own on that set, per class.
        Assert.Equal(artifact.Accuracy, result.CurrentAccuracy!.Value, 6);
        Assert.Equal(s.Splits.HeldOut.ClassNames, result.Labels);
        var current = Evaluation.Evaluate(ModelReader.Read(file), s.Splits.HeldOut);
        Assert.Equal(Enumerable.Range(0, 12).Select(current.ClassAccuracy), result.CurrentPerClass);

        // The verdict follows the limits: a reason for every class that drops more than allowed, and none for the others.
        string[] dropped = [.. Enumerable.Range(0, 12).Where(c => (result.CurrentPerClass[c] - result.CandidatePerClass[c]) * 100 > config.MaxClassDropPoints + 1e-9).Select(c => result.Labels[c])];
        string[] named = [.. result.GateReasons.Select(r => Regex.Match(r, "^class '([^']+)' drops")).Where(m => m.Success).Select(m => m.Groups[1].Value)];
        Assert.Equal(dropped, named);
        bool overallBelow = result.CandidateAccuracy < result.CurrentAccuracy - 1e-9;
        Assert.Equal(overallBelow, result.GateReasons.Any(r => r.StartsWith("overall", StringComparison.Ordinal)));
        Assert.Equal(done.State == RoundStates.Released, result.GateReasons.Count == 0);

        string after = done.CandidateVariantId is { } id && registry.Find(id) is { } released
            ? $"{Evaluation.Evaluate(ModelReader.Read(registry.ReadFile(released)), voice).Accuracy:P2}"
            : "not released";
        output.WriteLine($"round {done.State}: held-out speakers {result.CurrentAccuracy:P2} -> {result.CandidateAccuracy:P2}; new voice {before:P2} -> {after}; "
            + (result.GateReasons.Count == 0 ? "no gate reasons" : string.Join("; ", result.GateReasons)) + $"; {clock.Elapsed.TotalSeconds:F1} s");
    }

    private sealed class SimTime(SimClock clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.Now;
    }
}
