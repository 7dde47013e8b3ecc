using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Tasks.Fashion;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>The tasks the product ships (docs/tasks.md), by the name <c>--task</c> takes.</summary>
public static class TaskCatalog
{
    /// <summary>Each task with its virtual fleet scenario; a new task adds one line here.</summary>
    public static IReadOnlyList<FleetScenario> Scenarios { get; } = [new FashionScenario(), new KeywordsScenario(), new VibrationScenario()];

    public static IReadOnlyList<TaskDefinition> All { get; } = [.. Scenarios.Select(s => s.Task)];

    public static IReadOnlyList<string> Ids => [.. All.Select(t => t.Id)];

    /// <exception cref="ArgumentException">No task has that name; the message lists them.</exception>
    public static TaskDefinition Find(string id) =>
        All.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no task '{id}' (tasks: {string.Join(", ", Ids)})");

    /// <summary>The virtual fleet scenario of <paramref name="task"/>.</summary>
    public static FleetScenario ScenarioFor(TaskDefinition task) => Scenarios.First(s => s.Task.Id == task.Id);

    /// <summary>The task a model id names (built variants take their task's id as model id), or null.</summary>
    public static TaskDefinition? ForModel(string? modelId) =>
        modelId == null ? null : All.FirstOrDefault(t => string.Equals(t.Id, modelId, StringComparison.OrdinalIgnoreCase));
}
