using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.Tasks;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Options several verbs share.</summary>
internal static class Options
{
    public static Option<string?> DataDirectory() => new("--data")
    {
        Description = "the task's data folder (default: the task's own source, docs/tasks.md)",
    };

    /// <summary>`--task NAME`: one of the shipped tasks (docs/tasks.md).</summary>
    public static Option<string> Task(string defaultTask = "fashion") => new("--task")
    {
        Description = $"the task: {string.Join(", ", TaskCatalog.Ids)} (docs/tasks.md)",
        DefaultValueFactory = _ => defaultTask,
    };

    /// <summary>The task <paramref name="option"/> names (one clear line listing the tasks when it names none).</summary>
    public static TaskDefinition TaskOf(ParseResult parse, Option<string> option) => TaskCatalog.Find(parse.GetValue(option)!);

    /// <summary>The task's splits from <paramref name="data"/> (null: its own source), with progress lines.</summary>
    public static TaskSplits Load(IAnsiConsole console, TaskDefinition task, string? data, int trainLimit = 0) =>
        task.Load(new TaskLoadOptions { Data = data, TrainLimit = trainLimit }, new ConsoleLines(console));

    public static Option<FileInfo> Output(string description) => new("--out", "-o") { Description = description, Required = true };

    public static Option<int> Limit() => new("--limit")
    {
        Description = "use only the first N samples of the evaluated set (0 = all)",
        DefaultValueFactory = _ => 0,
    };
}
