using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Commands.Fleet;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Firmware.Core.Platform;
using Microsoft.Extensions.DependencyInjection;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Simulation.Tasks;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Console.Commands.Demo;

/// <summary>
/// `demo`: the whole product on one machine with no set-up, on one task's <see cref="FleetScenario"/>. Trains a small
/// int8 model (Fashion-MNIST by default), starts the host service with its embedded broker and a SQLite store, runs a
/// virtual fleet (intermittent networks, batteries, reboots, each board's own sensor) for simulated days with a live
/// view, shifts what a third of the boards sense halfway (the scenario's drift), lets a rogue client send garbage,
/// then shows the registry and the drift raised.
/// </summary>
internal static class DemoCommand
{
    public const string SubsetDirectory = "data/fashion-mnist-subset";

    public static Command Build(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices", "-n") { Description = "virtual boards", DefaultValueFactory = _ => 24 };
        var days = new Option<double>("--days") { Description = "simulated days", DefaultValueFactory = _ => 2 };
        var db = new Option<string>("--db") { Description = "SQLite file of the demo (replaced)", DefaultValueFactory = _ => "tinymlops-demo.db" };
        var task = Options.Task(FashionTask.TaskId);
        var data = Options.DataDirectory();
        var attackers = new Option<int>("--attackers") { Description = "extra boards that query the model like a model-extraction attack (the host should flag them)", DefaultValueFactory = _ => 1 };
        var http = new Option<string>("--http") { Description = "address of the web console and API (off: none)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var stay = new Option<bool>("--stay") { Description = "keep the host and the web console running after the simulation, until Ctrl+C" };
        var command = new Command("demo", "Host, embedded broker, a virtual fleet, the web console and the API, end to end") { devices, days, db, task, data, attackers, http, stay };
        command.SetAction((parse, ct) => RunAsync(console, parse.GetValue(task)!, parse.GetValue(devices), parse.GetValue(days), parse.GetValue(db)!, parse.GetValue(data), ct, parse.GetValue(attackers), parse.GetValue(http)!, parse.GetValue(stay)));
        return command;
    }

    public static Task<int> RunAsync(IAnsiConsole console, string taskId, int deviceCount, double days, string db, string? dataDirectory, CancellationToken ct, int attackerCount = 1, string http = "http://127.0.0.1:0", bool stay = false) =>
        RunAsync(console, TaskCatalog.ScenarioFor(TaskCatalog.Find(taskId)), deviceCount, days, db, dataDirectory, ct, attackerCount, http, stay);

    /// <summary>The demo on <paramref name="scenario"/>'s task and fleet.</summary>
    /// <param name="http">Where the web console and the API listen ("off": nowhere; port 0: any free port).</param>
    /// <param name="stay">Keep serving after the run until <paramref name="ct"/> is cancelled.</param>
    public static async Task<int> RunAsync(IAnsiConsole console, FleetScenario scenario, int deviceCount, double days, string db, string? dataDirectory, CancellationToken ct, int attackerCount = 1, string http = "http://127.0.0.1:0", bool stay = false)
    {
        if (deviceCount < 1 || days <= 0 || attackerCount < 0)
        {
            throw new ArgumentException("--devices must be at least 1, --days positive and --attackers not negative");
        }

        TaskDefinition task = scenario.Task;
        var duration = TimeSpan.FromDays(days);
        var simClock = new SimClock(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero));
        LabelledSet data;
        byte[] model;
        Func<int, ISensor?>? sensors = null;
        if (task.Id == FashionTask.TaskId)
        {
            // The default keeps its own story: the test images (or the repository's subset), one slice per board.
            var images = LoadImages(console, dataDirectory);
            model = TrainModel(console, images);
            data = images;
        }
        else
        {
            TaskSplits splits = task.Load(new TaskLoadOptions { Data = dataDirectory, Small = true, Seed = 7 }, new ConsoleLines(console));
            console.MarkupLineInterpolated($"[bold]data[/]: {task.Title} from {splits.Source}: {splits.Train.Count:N0} training, {splits.HeldOut.Count:N0} held-out {task.SampleNoun}");
            model = BuildModel(console, task, splits);
            data = splits.HeldOut;
            sensors = i => scenario.CreateSensor(splits, i, deviceCount, simClock, seed: 7 + i);
        }

        if (attackerCount > 0 && data is not ImageDataset)
        {
            console.MarkupLineInterpolated($"[grey]attack[/]: none, the extraction attack probes images and the {task.Id} task's inputs are not images");
            attackerCount = 0;
        }

        // A third of the boards see the scenario's drift from halfway on.
        TimeSpan shiftAt = duration / 2;
        SensorShift?[] shifts = [.. Enumerable.Range(0, deviceCount).Select(i => i % 3 == 0 ? scenario.DriftShift(shiftAt) : null)];
        string[] shifted = [.. Enumerable.Range(0, deviceCount).Where(i => shifts[i] != null).Select(i => $"demo-{i:D4}")];

        foreach (string f in new[] { db, db + "-wal", db + "-shm" })
        {
            File.Delete(f);
        }

        // Unique per run: two demos in one process (tests) must not share or delete each other's boards.
        string storage = Path.Combine(Path.GetTempPath(), $"tinymlops-demo-{Environment.ProcessId}-{Guid.NewGuid():N}");
        int port = TinyMLOps.Fleet.Broker.MosquittoProcess.FreePort();
        // A fresh fleet master key per demo: the boards meter and sign receipts, the ledger bills them and the host watches them for extraction.
        byte[] master = RandomNumberGenerator.GetBytes(32);
        var options = new SyncOptions { BrokerPort = port, SqlitePath = db, WorkerId = "tinymlops-host-demo", Fleet = "demo", ArtifactMasterKey = Convert.ToHexString(master) };
        // `serve` itself: the host service with its broker, and the HTTP side (API and web console) on the same store.
        using var serve = ServeApp.Build(ServeSettings.From(options, new HttpOptions { Url = http == "off" ? string.Empty : http }), quiet: true, driftProfiles: DriftProfiles.FromModels([model]));
        await serve.StartAsync(ct);
        var status = serve.Services.GetRequiredService<HostStatus>();
        for (int i = 0; i < 400 && status.Sync == null && status.Failure == null; i++)
        {
            await Task.Delay(25, ct);
        }

        SyncHost host = status.Sync ?? throw new InvalidOperationException($"the host service did not start: {status.Failure ?? "timed out"}");
        IFleetStore store = serve.Services.GetRequiredService<IFleetStore>();
        console.MarkupLineInterpolated($"[bold]host[/]: embedded MQTT broker on 127.0.0.1:{port}, store SQLite {Path.GetFullPath(db)}");
        if (ServeApp.HttpAddress(serve) is { } address)
        {
            (ApiKeyRecord key, string token) = ApiKeys.Create("demo-admin", ApiRole.Admin, "demo", DateTimeOffset.UtcNow);
            await store.CreateApiKeyAsync(key, ct);
            console.MarkupLineInterpolated($"[bold]console[/]: {address} — sign in with the admin key below");
            console.MarkupLineInterpolated($"[bold]admin key[/]: {token}");
            console.MarkupLineInterpolated($"[bold]api[/]: curl -H \"Authorization: Bearer {token}\" {new Uri(address, "api/v1/devices")}");
        }

        using var fleet = VirtualFleet.CreateMixed(deviceCount, "demo", "127.0.0.1", port, storage, NullLogger.Instance, seed: 7, model, data, keys: new DeviceKeys(master), attackers: attackerCount, sensors: sensors, clock: simClock, shifts: i => shifts[i]);
        console.MarkupLineInterpolated($"[bold]fleet[/]: {deviceCount} virtual boards, {days} simulated days in 1-minute steps; each runs the device core and the int8 model on its own slice of the {(task.Id == FashionTask.TaskId ? "images" : task.SampleNoun)}, metered");
        console.MarkupLineInterpolated($"[bold]drift[/]: {(shifted.Length == 0 ? "the scenario's sensors drift by themselves" : $"from day {shiftAt.TotalDays:0.##} on, {shifted.Length} board(s) ({string.Join(", ", shifted.Take(4))}{(shifted.Length > 4 ? ", …" : string.Empty)})")}: {scenario.DriftStory}");
        if (attackerCount > 0)
        {
            console.MarkupLineInterpolated($"[bold]attack[/]: {attackerCount} more board(s) (demo-x000…) query the model 20 times as often with noise and probes around a few seed images, as a model-extraction attack would");
        }

        var step = TimeSpan.FromMinutes(1);
        bool rogueSent = false;
        var clock = Stopwatch.StartNew();
        await console.Live(new Text("starting…")).StartAsync(async ctx =>
        {
            var lastDraw = TimeSpan.Zero;
            while (TimeSpan.FromMilliseconds(fleet.Clock.Millis) < duration && !ct.IsCancellationRequested)
            {
                await Task.Run(() => fleet.Step(step), ct);
                var simTime = TimeSpan.FromMilliseconds(fleet.Clock.Millis);
                if (!rogueSent && simTime > duration / 3)
                {
                    await SendGarbageAsync(port, ct);
                    rogueSent = true;
                }

                if (clock.Elapsed - lastDraw > TimeSpan.FromMilliseconds(400))
                {
                    lastDraw = clock.Elapsed;
                    ctx.UpdateTarget(await DrawAsync(store, host, fleet, duration, fleet.Clock.Now, ct));
                }
            }

            ctx.UpdateTarget(await DrawAsync(store, host, fleet, duration, fleet.Clock.Now, ct));
        });

        console.MarkupLine("draining: every board online and plugged in until its outbox is empty…");
        foreach (var board in fleet.All)
        {
            board.Device.Meter?.Flush((uint)fleet.Clock.Now.ToUnixTimeSeconds());
        }

        bool drained = await fleet.DrainAsync(TimeSpan.FromSeconds(60), ct);
        await Task.Delay(500, ct);

        var now = fleet.Clock.Now;
        var devices = await store.ListDevicesAsync(null, ct);
        console.Write(FleetView.Devices(devices, now, FleetCommand.OnlineWindow, 30));
        console.Write(FleetView.Status(await store.CountsAsync(now - FleetCommand.OnlineWindow, ct), host.Metrics, $"SQLite {Path.GetFullPath(db)}"));
        console.Write(FleetView.Rejects(await store.RejectsAsync(10, ct)));
        var suspects = await store.ExtractionSuspectsAsync(ct);
        if (suspects.Count > 0)
        {
            console.Write(SuspectsView.Table(suspects.Where(s => s.State != SuspectStates.Normal).Concat(suspects.Where(s => s.State == SuspectStates.Normal).Take(5))));
            console.MarkupLineInterpolated($"model extraction: {suspects.Count(s => s.Flagged)} of {suspects.Count} metered boards flagged, their quota cut");
        }

        await ReportDriftAsync(console, store, model, shifted, ct);
        long enqueued = fleet.All.Sum(b => (long)b.Device.Outbox.NextSequence - 1);
        long stored = devices.Sum(d => d.MessageCount);
        long published = fleet.All.Sum(b => b.Transport.PublishedBytes);
        console.MarkupLineInterpolated($"uplink: {published / (double)deviceCount / days / 1024:0.0} KiB of envelopes per device per simulated day; {fleet.All.Sum(b => b.Inferences):N0} inferences, {fleet.All.Sum(b => b.Reboots)} reboots");
        console.MarkupLineInterpolated($"broker refused {host.Broker?.RefusedPublishes ?? 0} publish(es) on another device's topic; the host rejected {host.Metrics.Rejected} malformed message(s) and kept running");
        console.MarkupLine($"outboxes {(drained ? "[green]drained[/]" : "[red]not drained[/]")}: {stored:N0} messages stored of {enqueued:N0} the boards made (the rest were hellos and heartbeats merged in outboxes while offline), {host.Metrics.Duplicates:N0} duplicate deliveries absorbed, wall time {clock.Elapsed.TotalSeconds:0}s");
        console.MarkupLineInterpolated($"next: [bold]tinymlops fleet ls --db {db}[/], [bold]tinymlops device show demo-0000 --db {db}[/], [bold]tinymlops status --db {db}[/], [bold]tinymlops meter suspects --db {db}[/]");
        try
        {
            Directory.Delete(storage, recursive: true);
        }
        catch (IOException)
        {
            // Leftover board flash in the temp folder is harmless.
        }

        if (stay && ServeApp.HttpAddress(serve) is { } open)
        {
            console.MarkupLineInterpolated($"the console stays open at {open} until Ctrl+C");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the demo ends.
            }
        }

        await serve.StopAsync(CancellationToken.None);
        return drained ? 0 : 2;
    }

    private static async Task<Spectre.Console.Rendering.IRenderable> DrawAsync(IFleetStore store, SyncHost host, VirtualFleet fleet, TimeSpan duration, DateTimeOffset now, CancellationToken ct)
    {
        var p = fleet.Progress(duration);
        var counts = await store.CountsAsync(now - FleetCommand.OnlineWindow, ct);
        var devices = await store.ListDevicesAsync(null, ct);
        var header = new Markup($"[bold]simulated {now:yyyy-MM-dd HH:mm}[/] (day {p.SimTime.TotalDays:0.00} of {duration.TotalDays:0.#}): {p.Online}/{p.Boards} boards connected, {p.Pending} entries queued in outboxes, {p.Inferences:N0} inferences, {p.Reboots} reboots");
        return new Rows(header, FleetView.Status(counts, host.Metrics, "SQLite"), FleetView.Devices(devices, now, FleetCommand.OnlineWindow, 12));
    }

    /// <summary>The drift the host sees in the stored windows: which boards raised an alert, against those the scenario shifted.</summary>
    private static async Task ReportDriftAsync(IAnsiConsole console, IFleetStore store, byte[] model, IReadOnlyCollection<string> shifted, CancellationToken ct)
    {
        var windows = await store.DriftWindowsAsync(new DriftWindowQuery { Fleet = "demo" }, ct);
        var devices = new DriftAnalyzer(DriftProfiles.FromModels([model])).Devices(windows);
        var alerted = devices.Where(d => d.Alert != null).ToList();
        int caught = alerted.Count(d => shifted.Contains(d.DeviceId));
        console.MarkupLineInterpolated($"[bold]drift[/]: {windows.Count:N0} drift windows from {devices.Count} boards; {alerted.Count} board(s) raised an alert, {caught} of the {shifted.Count} shifted ones");
        foreach (var d in alerted.Take(5))
        {
            console.MarkupLineInterpolated($"  {d.Alert!.Describe()}");
        }
    }

    /// <summary>The task's smallest family member, built as `variant build` does (front-end, drift profile, held-out accuracy).</summary>
    private static byte[] BuildModel(IAnsiConsole console, TaskDefinition task, TaskSplits splits)
    {
        VariantSpec spec = task.Family.MinBy(s => s.Width)!;
        byte[] file = [];
        console.Status().Start($"building {task.Id} {spec.Id} on {splits.Train.Count:N0} {task.SampleNoun}…", _ =>
        {
            var built = VariantBuilder.Build(task, splits, task.DefaultEpochs, [spec])[0];
            file = built.File;
            console.MarkupLineInterpolated($"[bold]model[/]: {task.Id} {spec.Id}, int8, {file.Length / 1024.0:0.0} KiB, {built.Artifact.Accuracy:P1} on {built.Artifact.HeldOutImages:N0} held-out {task.SampleNoun}");
        });
        return file;
    }

    private static ImageDataset LoadImages(IAnsiConsole console, string? dataDirectory)
    {
        string dir = dataDirectory ?? FashionMnist.DefaultDirectory;
        if (FashionMnist.IsAvailable(dir))
        {
            var test = FashionMnist.LoadTest(dir);
            console.MarkupLineInterpolated($"[bold]data[/]: Fashion-MNIST test set from {dir} ({test.Count:N0} images)");
            return test;
        }

        string subset = FindSubset() ?? throw new DirectoryNotFoundException($"Fashion-MNIST is not in {dir} and the repository's subset ({SubsetDirectory}) was not found");
        var images = FashionMnist.LoadFiles(subset, FashionMnist.TestImagesFile, FashionMnist.TestLabelsFile, "fashion-mnist-subset");
        console.MarkupLineInterpolated($"[yellow]data[/]: Fashion-MNIST is not installed in {dir}; using the repository's subset of {images.Count:N0} images ({subset}). Install Debian's dataset-fashion-mnist for the full set.");
        return images;
    }

    private static string? FindSubset() =>
        TinyMLOps.Modelling.RepositoryFiles.FindDirectory(SubsetDirectory, candidate => File.Exists(Path.Combine(candidate, FashionMnist.TestImagesFile)));

    private static byte[] TrainModel(IAnsiConsole console, ImageDataset images)
    {
        int calibration = Math.Min(500, images.Count / 5);
        var train = images.Slice(0, images.Count - calibration);
        var heldOut = images.Slice(images.Count - calibration, calibration);
        train = train.Take(6000);
        var floatModel = ModelZoo.Mlp(hidden: 32, labels: FashionMnist.ClassNames, name: "fashion-mlp-demo");
        byte[] file = [];
        console.Status().Start($"training a small MLP on {train.Count:N0} images and quantizing it to int8…", _ =>
        {
            Trainer.Train(floatModel, train, new TrainingOptions { Epochs = 3, LearningRate = 2e-3f }, null, heldOut);
            var int8 = PostTrainingQuantizer.Quantize(floatModel, heldOut, new QuantizationOptions { ModelId = "fashion-mlp-demo", VariantId = "mlp32-int8" });

            // The reference histograms drive the boards' drift monitors and their novelty signal.
            int8.DriftProfile = ProfileBuilder.Build(ModelWriter.Write(int8), train);
            file = ModelWriter.Write(int8);
            var eval = Evaluation.Evaluate(int8, heldOut);
            console.MarkupLineInterpolated($"[bold]model[/]: fashion-mlp-demo, int8, {file.Length / 1024.0:0.0} KiB, {eval.Accuracy:P1} on {heldOut.Count} held-out images");
        });
        return file;
    }

    // A client that is not a device: a malformed message on its own topic (the host rejects it) and a publish on a device's topic (the broker refuses it).
    private static async Task SendGarbageAsync(int port, CancellationToken ct)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("rogue-7").Build(), ct);
        await client.PublishBinaryAsync("tinymlops/v1/demo/rogue-7/up/heartbeat", [1, 2, 3, 4, 5], MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: ct);
        await client.PublishBinaryAsync("tinymlops/v1/demo/rogue-7/up/hello", new byte[5000], MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: ct);
        await client.PublishBinaryAsync("tinymlops/v1/demo/demo-0000/up/heartbeat", [1], MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: ct);
        await client.DisconnectAsync(cancellationToken: ct);
    }
}
