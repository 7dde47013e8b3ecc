using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model eval`: accuracy and confusion matrix on the Fashion-MNIST test set.</summary>
internal static class ModelEvalCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("model") { Description = "int8 model (.tmlm) or float ONNX model (.onnx)" };
        var data = Options.DataDirectory();
        var limit = Options.Limit();
        var samples = new Option<FileInfo?>("--input") { Description = "your own test data: a .npy of float32 samples in the model's input shape (with --labels)" };
        var labels = new Option<FileInfo?>("--labels") { Description = "a .npy of integer classes, one per sample of --input (anomaly models: 0 normal, else anomalous)" };
        var command = new Command("eval", "Accuracy and confusion matrix on the Fashion-MNIST test set, or on your own .npy data and labels") { input, data, limit, samples, labels };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            if (parse.GetValue(samples) is { } x)
            {
                var y = parse.GetValue(labels) ?? throw new ArgumentException("--input needs --labels: a .npy of one class per sample");
                Int8Model model = ModelReader.Read(File.ReadAllBytes(file.FullName));
                float[][] inputs = ModelQuantizeCommand.Samples(x.FullName, model.InputH, model.InputW, model.InputC);
                float[] classes = Npy.Read(y.FullName).Values;
                int[] truth = [.. classes.Select(v => float.IsInteger(v) ? (int)v : throw new ArgumentException($"{y.Name}: label {v} is not an integer"))];
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

            var test = FashionMnist.LoadTest(parse.GetValue(data));
            int n = parse.GetValue(limit);
            if (n > 0)
            {
                test = test.Take(n);
            }

            byte[] bytes = File.ReadAllBytes(file.FullName);
            EvaluationResult result = file.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase)
                ? Evaluation.Evaluate(OnnxImporter.Import(bytes, labels: FashionMnist.ClassNames), test)
                : Evaluation.Evaluate(ModelReader.Read(bytes), test);
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
}
