using System.CommandLine;
using Google.Protobuf;
using Spectre.Console;
using TinyMLOps.Console.Commands.Bench;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Model;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>
/// `model pipeline`: the model half of the product, end to end. Trains the MLP and the CNN on a task's data, quantizes them, evaluates
/// float against int8, exports the int8 models to ONNX and measures them against ONNX Runtime.
/// </summary>
internal static class ModelPipelineCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "where models are written", DefaultValueFactory = _ => new DirectoryInfo("artifacts") };
        var quick = new Option<bool>("--quick") { Description = "one epoch on 6,000 images: a smoke run, not the figures" };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "also write PNG plots (training curves, latency) to this directory, e.g. docs/img" };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("pipeline", "Train, quantize, evaluate, export and benchmark the MLP and the CNN on a task") { output, quick, plots, task, data };
        command.SetAction(parse => Run(console, Options.TaskOf(parse, task), parse.GetValue(output)!, parse.GetValue(quick), parse.GetValue(data), parse.GetValue(plots)));
        return command;
    }

    public static int Run(IAnsiConsole console, TaskDefinition task, DirectoryInfo output, bool quick, string? dataDirectory, DirectoryInfo? plots = null)
    {
        output.Create();
        TaskSplits splits = Options.Load(console, task, dataDirectory);
        console.MarkupLineInterpolated($"[bold]{task.Title}[/] from {splits.Source}: {splits.Train.Count:N0} train, {splits.Calibration.Count:N0} calibration, {splits.HeldOut.Count:N0} held-out");
        ImageDataset images = BenchModel.Images(task, splits.HeldOut);
        var rows = new List<string[]>();
        var reports = new List<BenchmarkReport>();
        var runs = new Dictionary<string, TrainingResult>();
        foreach (string arch in new[] { "mlp", "cnn" })
        {
            console.Write(new Rule($"[bold]{arch}[/]"));
            int epochs = quick ? 1 : ModelTrainCommand.DefaultEpochs(arch);
            var (floatModel, run) = ModelTrainCommand.Train(console, arch, epochs, seed: 1, task, splits, limit: quick ? 6000 : 0);
            runs[arch] = run;
            File.WriteAllBytes(Path.Combine(output.FullName, $"{task.Id}-{arch}.onnx"), OnnxExporter.ExportFloat(floatModel).ToByteArray());

            byte[] int8 = ModelWriter.Write(ModelQuantizeCommand.QuantizeForTask(console, task, floatModel, splits.Calibration, new QuantizationOptions { ModelId = $"{task.Id}-{arch}", VariantId = $"{arch}-int8" }));
            File.WriteAllBytes(Path.Combine(output.FullName, $"{task.Id}-{arch}.tmlm"), int8);
            Int8Model int8Model = ModelReader.Read(int8);
            File.WriteAllBytes(Path.Combine(output.FullName, $"{task.Id}-{arch}-int8.onnx"), OnnxExporter.ExportInt8(int8Model).ToByteArray());

            var floatResult = Evaluation.Evaluate(floatModel, splits.HeldOut);
            var int8Result = Evaluation.Evaluate(int8Model, splits.HeldOut);
            ModelEvalCommand.Render(console, $"{task.Id}-{arch} int8", int8Result);
            var report = BenchCommand.Measure(console, int8, images.Take(quick ? 200 : 1000), quick ? 2 : 4);
            reports.Add(report);
            rows.Add([arch, floatResult.Accuracy.ToString("P2"), int8Result.Accuracy.ToString("P2"), ((int8Result.Accuracy - floatResult.Accuracy) * 100).ToString("+0.00;-0.00"), report.TopOneAgreement.ToString("P2")]);
        }

        console.Write(new Rule("[bold]summary[/]"));
        var table = new Table().AddColumns("model", "float accuracy", "int8 accuracy", "int8 − float (points)", "top-1 agreement with ONNX Runtime");
        rows.ForEach(r => table.AddRow(r));
        console.Write(table);
        LatencyView.Render(console, reports);
        if (plots != null)
        {
            plots.Create();
            Plots.TrainingCurves(Path.Combine(plots.FullName, "training-curves.png"), $"{task.Id} float training", runs);
            Plots.Latency(Path.Combine(plots.FullName, "latency.png"), reports);
            console.MarkupLineInterpolated($"plots in {plots.FullName}");
        }

        console.MarkupLineInterpolated($"models in {output.FullName}");
        return 0;
    }
}
