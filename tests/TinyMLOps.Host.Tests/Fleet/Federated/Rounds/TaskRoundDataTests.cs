using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Simulation.Tasks;

namespace TinyMLOps.Host.Tests.Fleet.Federated.Rounds;

/// <summary>The round data `serve` gives federated rounds: a model id's task, its splits read once, or one warning.</summary>
public sealed class TaskRoundDataTests
{
    private readonly WarningLog _log = new();

    [Fact]
    public void A_built_variants_model_id_gets_its_tasks_calibration_and_held_out_splits_read_once_from_its_folder()
    {
        var asked = new List<(string Task, string? Data)>();
        TaskSplits splits = Splits(calibration: 30, heldOut: 70);
        var source = new TaskRoundData(TaskCatalog.All, new Dictionary<string, string> { ["FASHION"] = "/data/clothes" }, _log, (task, options) =>
        {
            lock (asked)
            {
                asked.Add((task.Id, options.Data));
            }

            return splits;
        });

        RoundData? first = source.For(FashionTask.TaskId);
        RoundData? again = source.For(FashionTask.TaskId);

        Assert.NotNull(first);
        Assert.Same(splits.Calibration, first.Calibration);
        Assert.Same(splits.HeldOut, first.HeldOut);
        Assert.Same(first, again);
        Assert.Equal([(FashionTask.TaskId, (string?)"/data/clothes")], asked);
        Assert.Empty(_log.Warnings);
    }

    [Fact]
    public void A_task_whose_data_is_missing_gets_null_and_one_warning_naming_the_task_and_the_option()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"tinymlops-no-such-data-{Guid.NewGuid():N}");
        var source = new TaskRoundData(TaskCatalog.All, new Dictionary<string, string> { [FashionTask.TaskId] = missing }, _log);

        Assert.Null(source.For(FashionTask.TaskId));
        Assert.Null(source.For(FashionTask.TaskId));

        string warning = Assert.Single(_log.Warnings);
        Assert.Contains("task fashion cannot release", warning);
        Assert.Contains(missing, warning);
        Assert.Contains("--task-data fashion=PATH", warning);
    }

    [Fact]
    public void A_model_id_that_names_no_task_gets_null_and_one_warning_listing_the_tasks()
    {
        int loads = 0;
        var source = new TaskRoundData(TaskCatalog.All, new Dictionary<string, string>(), _log, (_, _) =>
        {
            loads++;
            return Splits(1, 1);
        });

        Assert.Null(source.For("someone-elses-model"));
        Assert.Null(source.For("someone-elses-model"));

        Assert.Equal(0, loads);
        string warning = Assert.Single(_log.Warnings);
        Assert.Contains("someone-elses-model", warning);
        Assert.Contains(string.Join(", ", TaskCatalog.Ids), warning);
    }

    private static TaskSplits Splits(int calibration, int heldOut)
    {
        static ImageDataset Images(string name, int count) =>
            new(name, 2, 2, 1, new byte[count * 4], new byte[count], FashionMnist.ClassNames);

        return new TaskSplits(Images("train", 10), Images("calibration", calibration), Images("held-out", heldOut), "test");
    }

    /// <summary>Keeps the formatted warnings.</summary>
    private sealed class WarningLog : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (Warnings)
                {
                    Warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
