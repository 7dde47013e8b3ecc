using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model eval`: accuracy and confusion matrix on the user's data (<see cref="DataSetLoader"/>) or a task's held-out set.</summary>
internal static class ModelEvalCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("model") { Description = "int8 model (.tmlm) or float ONNX model (.onnx)" };
        var data = new Option<string?>("--data", "--input")
        {
            Description = $"test data in any form of docs/bring-your-own.md (PNG or WAV class folders, a CSV table with a label column, CSV windows, X.npy with y.npy, IDX; its test part when split); default: the held-out set of the task (--task)",
        };
        var limit = Options.Limit();
        var labels = new Option<FileInfo?>("--labels") { Description = "a .npy of integer classes, one per sample of a .npy --data (default: y.npy beside it); anomaly models: 0 normal, else anomalous" };
        var task = Options.Task();
        var command = new Command("eval", "Accuracy and confusion matrix on your own labelled data, or on a task's held-out set") { input, data, limit, labels, task };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            string? path = parse.GetValue(data);
            if (path != null)
            {
                if (file.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"{file.Name}: evaluating an ONNX model on your own data needs the int8 model; import it first (model import-onnx)");
                }

                Int8Model model = ModelReader.Read(File.ReadAllBytes(file.FullName));
                // A front-end on raw samples (mfcc) takes the clips as they are, as the device does.
                int raw = model.FrontEnd?.RawSamples ?? 0;

                // ... unless the data are already its features (data features' X.npy): then the front-end is skipped.
                bool features = raw > 0 && IsNpy(path);
                if (features)
                {
                    raw = 0;
                }

                DataSetOptions options = raw > 0
                    ? dataOptions.For(parse, 1, raw, 1, parse.GetValue(labels)?.FullName) with { SampleRate = (model.FrontEnd as TinyMLOps.Shared.Preprocessing.Mfcc)?.SampleRate }
                    : model.FrontEnd is TinyMLOps.Shared.Preprocessing.ImageFrontEnd image
                        ? dataOptions.For(parse, image.SrcH, image.SrcW, image.SrcC, parse.GetValue(labels)?.FullName)
                        : dataOptions.For(parse, model.InputH, model.InputW, model.InputC, parse.GetValue(labels)?.FullName);
                DataSplit split = DataSetLoader.Open(path, options);
                DataSet test = split.Test.AlignTo(model.Labels);
                int n = parse.GetValue(limit);
                if (n > 0 && n < test.Count)
                {
                    test = test.Subset([.. Enumerable.Range(0, n)], test.Split + $", first {n}");
                }

                int[] truth = test.RequireLabels("; eval needs labels: class subfolders, a label column (--label-column) or a .npy of classes (--labels)");
                int classes = model.Output.OutputElements;
                if (model.OutputKind != OutputKind.Anomaly && Array.FindIndex(truth, t => t >= classes) is var bad and >= 0)
                {
                    throw new ArgumentException($"label {truth[bad]} of sample {bad} is not one of the model's {classes} classes");
                }

                DataOptions.Report(console, split, train: false);
                if (raw > 0)
                {
                    console.MarkupLineInterpolated($"front-end {model.FrontEnd!.Describe()}, fixed point on the raw samples");
                    Render(console, file.Name, Evaluation.EvaluateSamples(model, test.Samples, truth));
                    return 0;
                }

                if (features)
                {
                    console.MarkupLineInterpolated($"precomputed features of {model.InputH}x{model.InputW}x{model.InputC}: the {model.FrontEnd!.Name} front-end is skipped (give the raw clips to run it as the device does)");
                }

                IReadOnlyList<float[]> inputs = features ? test.Samples : FeatureScaling.Apply(model.FrontEnd, test.Samples);
                if (model.OutputKind == OutputKind.Anomaly)
                {
                    AnomalyEvaluation a = Evaluation.EvaluateAnomaly(model, inputs, truth);
                    console.MarkupLineInterpolated($"[bold]{file.Name}[/]: threshold {model.AnomalyThreshold:G4}; flagged {a.Detected:N0} of {a.Anomalous:N0} anomalous ({(double)a.Detected / Math.Max(1, a.Anomalous):P1}) and {a.FalseAlarms:N0} of {a.Normal:N0} normal ({(double)a.FalseAlarms / Math.Max(1, a.Normal):P1}); ROC AUC {a.Auc:F4}");
                }
                else
                {
                    Render(console, file.Name, Evaluation.Evaluate(model, inputs, truth));
                }

                return 0;
            }

            TaskDefinition definition = Options.TaskOf(parse, task);
            LabelledSet heldOut = Options.Load(console, definition, null).HeldOut;
            int count = parse.GetValue(limit);
            if (count > 0)
            {
                heldOut = heldOut.Take(count);
            }

            byte[] bytes = File.ReadAllBytes(file.FullName);
            EvaluationResult result = file.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase)
                ? Evaluation.Evaluate(OnnxImporter.Import(bytes, labels: heldOut.ClassNames), heldOut)
                : Evaluation.Evaluate(ModelReader.Read(bytes), heldOut);
            Render(console, file.Name, result);
            return 0;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, string name, EvaluationResult r)
    {
        console.MarkupLineInterpolated($"[bold]{name}[/]: accuracy [bold]{r.Accuracy:P2}[/] ({r.Correct:N0} of {r.Total:N0})");
        var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)");
        table.AddColumn("true \\ predicted");
        for (int c = 0; c < r.ClassNames.Count; c++)
        {
            table.AddColumn(new TableColumn(c.ToString()).RightAligned());
        }

        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < r.ClassNames.Count; t++)
        {
            var cells = new List<string> { $"{t} {r.ClassNames[t]}" };
            for (int p = 0; p < r.ClassNames.Count; p++)
            {
                int v = r.Confusion[t, p];
                cells.Add(t == p ? $"[green]{v}[/]" : v == 0 ? "[grey]0[/]" : v.ToString());
            }

            cells.Add(r.ClassAccuracy(t).ToString("P1"));
            table.AddRow(cells.ToArray());
        }

        console.Write(table);
    }

    /// <summary>A .npy file, or a folder holding X.npy: arrays of model inputs rather than recordings.</summary>
    private static bool IsNpy(string path) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
        || (Directory.Exists(path) && (File.Exists(Path.Combine(path, "X.npy")) || File.Exists(Path.Combine(path, "x.npy"))));
}
