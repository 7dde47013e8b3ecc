using System.CommandLine;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Options several verbs share.</summary>
internal static class Options
{
    public static Option<string?> DataDirectory() => new("--data")
    {
        Description = $"Fashion-MNIST IDX directory (default: ${FashionMnist.EnvironmentVariable} or {FashionMnist.DebianDirectory})",
    };

    /// <summary>`--task NAME`: one of the shipped tasks (docs/tasks.md).</summary>
    public static Option<string> Task(string defaultTask = "fashion") => new("--task")
    {
        Description = $"the task: {string.Join(", ", TinyMLOps.Simulation.Tasks.TaskCatalog.Ids)} (docs/tasks.md)",
        DefaultValueFactory = _ => defaultTask,
    };

    public static Option<FileInfo> Output(string description) => new("--out", "-o") { Description = description, Required = true };

    public static Option<int> Limit() => new("--limit")
    {
        Description = "use only the first N test images (0 = all 10,000)",
        DefaultValueFactory = _ => 0,
    };
}
