using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Commands.Model;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>
/// `variant add FILE --task T`: registers the user's own model as a variant of a task (an int8 .tmlm as it is, a float
/// .onnx imported and quantized on the task's calibration split as `model import-onnx` does), with the task's front-end
/// when the model takes its output and the task's drift profile, measured on the task's held-out set and costed on
/// every board beside the variants already registered.
/// </summary>
internal static class VariantAddCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("model") { Description = "your model: int8 (.tmlm) or float ONNX (.onnx, e.g. exported from PyTorch)" };
        var registry = Registry();
        var task = Options.Task();
        var variantId = new Option<string?>("--variant-id") { Description = "the variant's id (default: the file name without its extension)" };
        var labels = new Option<string?>("--labels") { Description = "ONNX: class names, a file with one per line or a comma-separated list (default: the file's metadata, else the task's)" };
        var data = Options.DataDirectory();
        var command = new Command("add", "Register your own model as a variant of a task: measured on the task's held-out set and costed on every board") { input, registry, task, variantId, labels, data };
        command.SetAction(parse =>
        {
            FileInfo file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                throw new FileNotFoundException($"{file.FullName} not found", file.FullName);
            }

            TaskDefinition definition = Options.TaskOf(parse, task);
            string extension = file.Extension.ToLowerInvariant();
            if (extension is not ".tmlm" and not ".onnx")
            {
                throw new ArgumentException($"{file.Name}: a variant is an int8 model (.tmlm) or a float ONNX model (.onnx)");
            }

            string id = parse.GetValue(variantId) ?? Path.GetFileNameWithoutExtension(file.Name);
            TaskSplits splits = Options.Load(console, definition, parse.GetValue(data));
            Int8Model int8 = extension == ".tmlm"
                ? ReadInt8(console, definition, file)
                : Import(console, definition, file, splits, id, ModelQuantizeCommand.ReadLabels(parse.GetValue(labels)));
            int8.ModelId = definition.Id;
            int8.VariantId = id;
            splits.HeldOut.CheckShape(int8.InputH, int8.InputW, int8.InputC, file.Name);

            // The reference drift profile goes inside the file, as `variant build` does, so the content hash covers it.
            int8.DriftProfile = ProfileBuilder.Build(ModelWriter.Write(int8), splits.Train, groups: definition.DriftGroupsFor(int8.InputH, int8.InputW, int8.InputC));
            byte[] bytes = ModelWriter.Write(int8);
            EvaluationResult measured = Evaluation.Evaluate(ModelReader.Read(bytes), splits.HeldOut);
            ModelSummary summary = ModelSummary.Of(bytes);
            string notes = $"added from {file.Name}" + (int8.FrontEnd != null ? $" with the front-end {int8.FrontEnd.Name}" : string.Empty) + $", measured on {splits.HeldOut.Count:N0} held-out {definition.SampleNoun}";
            var artifact = new VariantArtifact(id, definition.Id, 1, summary.ContentHash, Architecture(int8), 1, measured.Accuracy, splits.HeldOut.Count, summary, notes, DateTimeOffset.UtcNow);

            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            VariantArtifact stored = reg.Add(artifact, bytes);
            console.MarkupLineInterpolated($"[bold]{stored.VariantId}[/] v{stored.Version}: int8 accuracy [bold]{measured.Accuracy:P2}[/] on {splits.HeldOut.Count:N0} held-out {definition.SampleNoun} of the {definition.Id} task");
            VariantView.Render(console, [.. reg.Latest.Where(v => v.ModelId == definition.Id)], BoardCatalog.Default.Boards, new SelectionPolicy());
            console.MarkupLineInterpolated($"variant {stored.VariantId} added to {Path.GetFullPath(reg.Root)}");
            return 0;
        });
        return command;
    }

    private static Int8Model ReadInt8(IAnsiConsole console, TaskDefinition task, FileInfo file)
    {
        Int8Model int8 = ModelReader.Read(File.ReadAllBytes(file.FullName));
        if (int8.FrontEnd == null && task.CreateFrontEnd() is { } frontEnd && frontEnd.OutH == int8.InputH && frontEnd.OutW == int8.InputW && frontEnd.OutC == int8.InputC)
        {
            int8.FrontEnd = frontEnd;
            console.MarkupLineInterpolated($"front-end {frontEnd.Describe()}: the model takes its output");
        }

        return int8;
    }

    private static Int8Model Import(IAnsiConsole console, TaskDefinition task, FileInfo file, TaskSplits splits, string variantId, IReadOnlyList<string>? labels)
    {
        FloatModel model = OnnxImporter.ImportFile(file.FullName, labels);
        console.MarkupLineInterpolated($"imported {file.Name}: {string.Join(" → ", model.Layers.Select(l => l.Kind))}");
        splits.Calibration.CheckShape(model.Input.H, model.Input.W, model.Input.C, file.Name);
        // As `variant build`: no equalization, since the dense head of a variant trains on the devices.
        var options = new QuantizationOptions { ModelId = task.Id, VariantId = variantId, Equalization = false };
        return ModelQuantizeCommand.QuantizeForTask(console, task, model, splits.Calibration, options);
    }

    /// <summary>What the variant is built of, for the registry: cnn when it convolves, else mlp.</summary>
    private static string Architecture(Int8Model model) =>
        ModelSummary.Of(ModelWriter.Write(model)).Layers.Any(l => l.Op.Contains("Conv", StringComparison.Ordinal)) ? "cnn" : "mlp";
}
