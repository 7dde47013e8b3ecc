using Microsoft.Extensions.Logging;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>Progress of a fleet run, for progress bars and live views.</summary>
public sealed record FleetProgress(TimeSpan SimTime, TimeSpan SimDuration, int Online, int Boards, long Pending, long Inferences, long Publishes, long Reboots);

/// <summary>
/// N virtual boards in one process against a real broker, stepped together in simulated time. Each step
/// advances the shared clock, then steps every board (in parallel: each board's sync loop blocks on its
/// own MQTT calls, as on a device).
/// </summary>
public sealed class VirtualFleet : IDisposable
{
    private static readonly string[] Boards = ["esp32-devkitc", "esp32-wrover", "esp32-s3", "esp32-c3", "stm32f769i-disco", "stm32f429i-disco"];

    private readonly List<VirtualBoard> _boards;

    public VirtualFleet(IEnumerable<VirtualBoard> boards, SimClock clock)
    {
        _boards = boards.ToList();
        Clock = clock;
    }

    public SimClock Clock { get; }

    public IReadOnlyList<VirtualBoard> All => _boards;

    public void Add(VirtualBoard board) => _boards.Add(board);

    /// <summary>Takes a board out of the simulation for good: a device that died or left the field (it keeps its link state).</summary>
    public bool Remove(VirtualBoard board) => _boards.Remove(board);

    public int MaxParallel { get; set; } = Math.Max(4, Environment.ProcessorCount * 4);

    /// <summary>
    /// A mixed fleet: a third always online, half with a network window of 10 to 30 minutes an hour, the rest
    /// offline for one to three days in the first week; half on battery; occasional reboots. Each board sees its
    /// own slice of <paramref name="data"/> and runs <paramref name="model"/> on it when one is given.
    /// </summary>
    /// <param name="keys">The fleet's device keys: each board gets its artifact key, so it meters its inferences and signs receipts.</param>
    /// <param name="attackers">Extra boards, named <c>{fleet}-x000</c> on, that query the model twenty times as often with the
    /// inputs of a model-extraction attack (<see cref="ExtractionAttackSensor"/>: half noise, half probes around a few seeds of <paramref name="data"/>).</param>
    /// <param name="sensors">Board i's sensor, when the task has its own (a machine whose faults grow over time); default: a <see cref="DatasetSensor"/> over the board's slice of <paramref name="data"/>.</param>
    /// <param name="clock">The fleet's simulated clock (default: a new one), for sensors that need it before the fleet exists.</param>
    /// <param name="shifts">Board i's drift injection (null: none).</param>
    public static VirtualFleet CreateMixed(int count, string fleet, string brokerHost, int brokerPort, string storageRoot, ILogger logger, int seed = 1, byte[]? model = null, LabelledSet? data = null, int heartbeatSeconds = 300, TinyMLOps.Fleet.Security.DeviceKeys? keys = null, int attackers = 0, Func<int, TinyMLOps.Firmware.Core.Platform.ISensor?>? sensors = null, SimClock? clock = null, Func<int, SensorShift?>? shifts = null)
    {
        if (attackers > 0 && data is not null and not ImageDataset)
        {
            throw new ArgumentException("the extraction attack probes images; this data set is not one", nameof(attackers));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(attackers);
        clock ??= new SimClock(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero));
        var rng = new Random(seed);
        var boards = new List<VirtualBoard>(count);
        int slice = data == null ? 0 : Math.Max(1, data.Count / Math.Max(1, count));
        for (int i = 0; i < count; i++)
        {
            double pick = rng.NextDouble();
            ConnectivityPattern pattern = pick < 0.34 ? ConnectivityPattern.AlwaysOn
                : pick < 0.84 ? new ConnectivityPattern(60, 10 + (20 * rng.NextDouble()), 60 * rng.NextDouble())
                : new ConnectivityPattern(60, 30, 0) { Outage = (TimeSpan.FromHours(rng.Next(1, 48)), TimeSpan.FromHours(rng.Next(72, 120))) };
            var options = new VirtualBoardOptions
            {
                DeviceId = $"{fleet}-{i:D4}",
                Fleet = fleet,
                Board = Boards[i % Boards.Length],
                Connectivity = pattern,
                HasBattery = rng.NextDouble() < 0.5,
                BatteryPercent = 30 + (70 * rng.NextDouble()),
                RebootsPerHour = 0.01,
                HeartbeatIntervalSeconds = heartbeatSeconds,
                Seed = rng.Next(),
                Shift = shifts?.Invoke(i),
            };
            var sensor = sensors != null ? sensors(i) : data == null ? null : new DatasetSensor(data.Slice((i * slice) % data.Count, Math.Min(slice, data.Count - ((i * slice) % data.Count))));
            boards.Add(new VirtualBoard(options, brokerHost, brokerPort, storageRoot, clock, logger, model, sensor, keys?.For(options.DeviceId)));
        }

        for (int i = 0; i < attackers; i++)
        {
            var options = new VirtualBoardOptions
            {
                DeviceId = $"{fleet}-x{i:D3}",
                Fleet = fleet,
                Board = Boards[i % Boards.Length],
                HeartbeatIntervalSeconds = heartbeatSeconds,
                InferencesPerMinute = 20 * new VirtualBoardOptions { DeviceId = "-" }.InferencesPerMinute,
                Seed = rng.Next(),
            };
            var images = data as ImageDataset;
            var seeds = images?.Slice((i * 16) % Math.Max(1, images.Count - 16), Math.Min(16, images.Count));
            var sensor = new ExtractionAttackSensor(seeds, noiseShare: 0.5, seed: options.Seed);
            boards.Add(new VirtualBoard(options, brokerHost, brokerPort, storageRoot, clock, logger, model, sensor, keys?.For(options.DeviceId)));
        }

        return new VirtualFleet(boards, clock);
    }

    /// <summary>Advances simulated time by one step and steps every board once.</summary>
    public void Step(TimeSpan step)
    {
        Clock.Advance(step);
        Parallel.ForEach(_boards, new ParallelOptions { MaxDegreeOfParallelism = MaxParallel }, b => b.Step(step));
    }

    /// <summary>Runs for <paramref name="duration"/> of simulated time, pausing <paramref name="pause"/> of real time per step.</summary>
    public async Task RunAsync(TimeSpan duration, TimeSpan step, TimeSpan pause, IProgress<FleetProgress>? progress, CancellationToken cancellationToken)
    {
        var end = TimeSpan.FromMilliseconds(Clock.Millis) + duration;
        while (TimeSpan.FromMilliseconds(Clock.Millis) < end && !cancellationToken.IsCancellationRequested)
        {
            await Task.Run(() => Step(step), cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(end));
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Keeps every board online and polling until all outboxes are empty, or the timeout passes.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var b in _boards)
        {
            b.Battery.PluggedIn = true;
            b.Transport.LinkUp = true;
        }

        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Clock.Advance(TimeSpan.FromSeconds(2));
            Parallel.ForEach(_boards, new ParallelOptions { MaxDegreeOfParallelism = MaxParallel }, b => b.Device.Poll());
            if (_boards.All(b => b.Device.Outbox.PendingCount == 0))
            {
                return true;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    public FleetProgress Progress(TimeSpan end) => new(
        TimeSpan.FromMilliseconds(Clock.Millis),
        end,
        _boards.Count(b => b.Transport.IsConnected),
        _boards.Count,
        _boards.Sum(b => (long)b.Device.Outbox.PendingCount),
        _boards.Sum(b => b.Inferences),
        _boards.Sum(b => b.Transport.Publishes),
        _boards.Sum(b => (long)b.Reboots));

    public void Dispose()
    {
        foreach (var b in _boards)
        {
            b.Dispose();
        }
    }
}
