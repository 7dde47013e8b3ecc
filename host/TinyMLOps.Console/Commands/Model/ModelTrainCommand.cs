using System.CommandLine;
using Google.Protobuf;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model train`: trains a float MLP or CNN on a task's data and saves it as float ONNX.</summary>
internal static class ModelTrainCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var arch = new Option<string>("--arch") { Description = "mlp or cnn", DefaultValueFactory = _ => "mlp" };
        arch.AcceptOnlyFromAmong("mlp", "cnn");
        var epochs = new Option<int>("--epochs") { Description = "training epochs (default: ModelZoo's recipe for the architecture)" };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation and shuffling", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--train-limit") { Description = "train on the first N samples only (0 = all)", DefaultValueFactory = _ => 0 };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var output = Options.Output("float ONNX file to write");
        var command = new Command("train", "Train a float model on a task's data and save it as ONNX") { arch, epochs, seed, limit, task, data, output };
        command.SetAction(parse =>
        {
            TaskDefinition definition = Options.TaskOf(parse, task);
            TaskSplits splits = Options.Load(console, definition, parse.GetValue(data));
            string a = parse.GetValue(arch)!;
            int e = parse.GetValue(epochs);
            var (model, _) = Train(console, a, e == 0 ? DefaultEpochs(a) : e, parse.GetValue(seed), definition, splits, parse.GetValue(limit));
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, OnnxExporter.ExportFloat(model).ToByteArray());
            double heldOut = Trainer.Accuracy(model, splits.HeldOut);
            console.MarkupLineInterpolated($"float held-out accuracy [bold]{heldOut:P2}[/] on {splits.HeldOut.Count:N0} {definition.SampleNoun}; wrote {file.Name}");
            return 0;
        });
        return command;
    }

    public static TrainingOptions DefaultOptions(string arch) => arch == "cnn" ? ModelZoo.CnnTraining : ModelZoo.MlpTraining;

    public static int DefaultEpochs(string arch) => DefaultOptions(arch).Epochs;

    /// <summary>The zoo's <paramref name="arch"/> for the task's input and classes, named "TASK-ARCH".</summary>
    public static FloatModel Create(string arch, TaskDefinition task, LabelledSet data)
    {
        var input = new TensorShape(data.Height, data.Width, data.Channels);
        return arch switch
        {
            "mlp" => ModelZoo.Mlp(labels: data.ClassNames, name: $"{task.Id}-mlp", input: input),
            "cnn" => ModelZoo.Cnn(labels: data.ClassNames, name: $"{task.Id}-cnn", input: input),
            _ => throw new ArgumentException($"unknown architecture '{arch}' (mlp or cnn)"),
        };
    }

    /// <summary>Trains with a live progress bar (validating on the held-out split) and prints one row per epoch.</summary>
    public static (FloatModel Model, TrainingResult Result) Train(IAnsiConsole console, string arch, int epochs, int seed, TaskDefinition task, TaskSplits splits, int limit = 0)
    {
        var model = Create(arch, task, splits.Train);
        var train = limit > 0 ? splits.Train.Take(limit) : splits.Train;
        var options = DefaultOptions(arch) with { Epochs = epochs, Seed = seed };
        var table = new Table().Title($"training {model.Name} on {train.Count:N0} {task.SampleNoun}").AddColumns("epoch", "loss", "train acc", "held-out acc", "time");
        TrainingResult? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{arch} epoch 1/{epochs}", maxValue: 1.0);
                var progress = new SyncProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Fraction;
                    task.Description = $"{arch} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3}";
                });
                result = Trainer.Train(model, train, options, progress, splits.HeldOut);
                task.Value = 1.0;
            });
        foreach (var e in result!.Epochs)
        {
            table.AddRow(e.Epoch.ToString(), e.Loss.ToString("F4"), e.Accuracy.ToString("P2"), e.ValidationAccuracy?.ToString("P2") ?? "-", $"{e.Elapsed.TotalSeconds:F1} s");
        }

        console.Write(table);
        return (model, result);
    }

    /// <summary>IProgress that reports on the caller's thread, unlike Progress&lt;T&gt; which posts to the thread pool.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
