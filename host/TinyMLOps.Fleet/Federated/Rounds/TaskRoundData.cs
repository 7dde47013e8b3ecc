using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Modelling.Tasks;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>
/// The host's round data per task (<c>serve</c>): a round's base model id names its task (built variants take their task's id as model id),
/// whose splits are read once, on the first round that needs them, from the task's folder (or its own source): the
/// calibration split re-quantizes the head and the held-out split gates the release. When a task's data cannot be read,
/// one warning says why and that task's rounds get null (they cannot release).
/// </summary>
public sealed class TaskRoundData : IRoundDataSource
{
    private readonly IReadOnlyList<TaskDefinition> _tasks;
    private readonly IReadOnlyDictionary<string, string> _folders;
    private readonly ILogger _log;
    private readonly Func<TaskDefinition, TaskLoadOptions, TaskSplits> _load;
    private readonly ConcurrentDictionary<string, Lazy<RoundData?>> _byTask = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.Ordinal);

    /// <param name="tasks">The tasks the product ships (the console passes its catalogue's).</param>
    /// <param name="folders">Task id → data folder; a task not named reads its default source.</param>
    /// <param name="load">Reads a task's splits (default: <see cref="TaskDefinition.Load"/>).</param>
    public TaskRoundData(IReadOnlyList<TaskDefinition> tasks, IReadOnlyDictionary<string, string> folders, ILogger? log = null, Func<TaskDefinition, TaskLoadOptions, TaskSplits>? load = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(folders);
        _tasks = tasks;
        _folders = new Dictionary<string, string>(folders, StringComparer.OrdinalIgnoreCase);
        _log = log ?? NullLogger.Instance;
        _load = load ?? ((task, options) => task.Load(options));
    }

    public RoundData? For(string modelId)
    {
        if (_tasks.FirstOrDefault(t => string.Equals(t.Id, modelId, StringComparison.OrdinalIgnoreCase)) is not { } task)
        {
            WarnOnce($"model:{modelId}", "Federated rounds of model {Model} cannot release: it names no task ({Tasks})", modelId, string.Join(", ", _tasks.Select(t => t.Id)));
            return null;
        }

        return _byTask.GetOrAdd(task.Id, _ => new Lazy<RoundData?>(() => Load(task))).Value;
    }

    private RoundData? Load(TaskDefinition task)
    {
        string? folder = _folders.TryGetValue(task.Id, out string? f) ? f : null;
        try
        {
            TaskSplits splits = _load(task, new TaskLoadOptions { Data = folder });
            _log.LogInformation("Round data of task {Task} from {Source}: {Calibration} calibration, {HeldOut} held-out", task.Id, splits.Source, splits.Calibration.Count, splits.HeldOut.Count);
            return new RoundData(splits.Calibration, splits.HeldOut);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
        {
            WarnOnce($"task:{task.Id}", "Federated rounds of task {Task} cannot release: no held-out data ({Reason}); give its folder with --task-data {Task}=PATH", task.Id, e.Message, task.Id);
            return null;
        }
    }

    private void WarnOnce(string key, string message, params object?[] args)
    {
        if (_warned.TryAdd(key, true))
        {
#pragma warning disable CA2254 // The templates are the constants above.
            _log.LogWarning(message, args);
#pragma warning restore CA2254
        }
    }
}
