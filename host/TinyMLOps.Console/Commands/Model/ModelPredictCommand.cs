using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model predict MODEL --input X.npy --out Y.npy [--raw]`: batch inference with the int8 interpreter on a NumPy array.</summary>
internal static class ModelPredictCommand
{
    /// <summary>Batches at least this large get a progress bar.</summary>
    public const int ProgressThreshold = 2_000;

    public static Command Build(IAnsiConsole console)
    {
        var modelFile = new Argument<FileInfo>("model") { Description = "int8 model (.tmlm)" };
        var input = new Option<string>("--data", "--input", "-i") { Description = "inputs: a NumPy .npy array, (N, C, H, W), (N, H, W, C), (N, H, W) when C is 1, (N, H*W*C) flat, or one sample without N, float32 or another little-endian number type; or any form of docs/bring-your-own.md (PNG or WAV folders, a CSV table, CSV windows), in sorted file order", Required = true };
        var output = Options.Output("where to write the outputs as .npy: float32 (N, outputs), dequantized");
        var raw = new Option<bool>("--raw") { Description = "write the int8 outputs as they are (int8 '|i1') instead of dequantizing them" };
        var layout = new Option<ArrayLayout>("--layout")
        {
            Description = "input layout: auto (from the shape; NCHW where both fit; flat inputs in PyTorch's C*H*W order), nchw or nhwc",
            DefaultValueFactory = _ => ArrayLayout.Auto,
        };
        var command = new Command("predict", "Batch inference on a .npy array or a data set of inputs; writes the outputs as .npy") { modelFile, input, output, raw, layout };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(command, split: false);
        command.SetAction(parse =>
        {
            FileInfo m = parse.GetValue(modelFile)!;
            var x = new FileInfo(parse.GetValue(input)!);
            FileInfo y = parse.GetValue(output)!;
            byte[] bytes = File.ReadAllBytes(m.FullName);
            Int8Model model = ModelReader.Read(bytes);
            // Auto starts from the layout the model recorded from its source graph (format version 2).
            ArrayLayout chosen = parse.GetValue(layout);
            if (chosen == ArrayLayout.Auto)
            {
                chosen = model.InputLayout switch
                {
                    InputLayout.Nhwc => ArrayLayout.Nhwc,
                    InputLayout.Nchw or InputLayout.Nct => ArrayLayout.Nchw,
                    _ => ArrayLayout.Auto,
                };
            }

            if (!x.Extension.Equals(".npy", StringComparison.OrdinalIgnoreCase) || model.FrontEnd != null)
            {
                // Any data set, or raw samples for a front-end: read, scale as the device would, then predict in HWC order.
                // An image front-end takes whole camera frames: images are read at the frame's size.
                DataSetOptions options = (model.FrontEnd is TinyMLOps.Shared.Preprocessing.ImageFrontEnd image
                    ? dataOptions.For(parse, image.SrcH, image.SrcW, image.SrcC)
                    : dataOptions.For(parse, model.InputH, model.InputW, model.InputC)) with { Layout = chosen };
                DataSplit split = DataSetLoader.Open(x.FullName, options);
                DataOptions.Report(console, split, train: false);
                IReadOnlyList<float[]> samples = FeatureScaling.Apply(model.FrontEnd, split.Test.Samples);
                var values = new float[(long)samples.Count * model.InputElements];
                for (int i = 0; i < samples.Count; i++)
                {
                    samples[i].CopyTo(values, (long)i * model.InputElements);
                }

                var hwc = new NpyArray([samples.Count, model.InputH, model.InputW, model.InputC], values, "<f4");
                return Write(console, parse, bytes, model, m, x, y, hwc, new ResolvedInput(samples.Count, false, split.Test.Format));
            }

            NpyArray array = Npy.Read(x.FullName);
            ResolvedInput resolved = ResolvedInput.Resolve(array.Shape, model.InputH, model.InputW, model.InputC, chosen);
            return Write(console, parse, bytes, model, m, x, y, array, resolved);
        });
        return command;

        int Write(IAnsiConsole console, ParseResult parse, byte[] bytes, Int8Model model, FileInfo m, FileInfo x, FileInfo y, NpyArray array, ResolvedInput resolved)
        {
            var clock = Stopwatch.StartNew();
            BatchPredictionResult result = resolved.Count < ProgressThreshold
                ? BatchPrediction.Predict(bytes, array, resolved)
                : WithProgress(console, bytes, array, resolved);
            clock.Stop();

            bool asRaw = parse.GetValue(raw);
            byte[] file = asRaw
                ? Npy.WriteInt8(result.Raw, result.Count, result.Outputs)
                : Npy.WriteFloat32(result.Dequantized(), result.Count, result.Outputs);
            File.WriteAllBytes(y.FullName, file);
            Render(console, m.Name, x.Name, y.Name, array, resolved, result, asRaw, clock.Elapsed, model.Labels);
            return 0;
        }
    }

    private static BatchPredictionResult WithProgress(IAnsiConsole console, byte[] model, NpyArray array, ResolvedInput resolved)
    {
        BatchPredictionResult? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"predicting {resolved.Count:N0} samples", maxValue: resolved.Count);
                var progress = new Counter(done => task.Value = Math.Max(task.Value, done));
                result = BatchPrediction.Predict(model, array, resolved, progress);
                task.Value = resolved.Count;
            });
        return result!;
    }

    private static void Render(IAnsiConsole console, string model, string input, string output, NpyArray array, ResolvedInput resolved, BatchPredictionResult r, bool raw, TimeSpan elapsed, string[]? labels)
    {
        double ms = elapsed.TotalMilliseconds;
        double perSample = r.Count == 0 ? 0 : ms / r.Count;
        console.MarkupLineInterpolated($"[bold]{model}[/] on {input}: {array.ShapeText} {array.Descr} read as {resolved.Name}");
        console.MarkupLineInterpolated($"predicted [bold]{r.Count:N0}[/] samples in {ms:N0} ms ({perSample:F3} ms per sample)");
        string type = raw ? "int8 '|i1' (raw)" : "float32 '<f4' (dequantized)";
        console.MarkupLineInterpolated($"wrote {output}: {type} ({r.Count}, {r.Outputs})");
        if (r.Count == 0 || labels == null || labels.Length != r.Outputs)
        {
            return;
        }

        var counts = new int[r.Outputs];
        for (int s = 0; s < r.Count; s++)
        {
            counts[r.ArgMax(s)]++;
        }

        var table = new Table().Title("top-1 class counts").AddColumns("class", "label", "count", "share");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        for (int k = 0; k < counts.Length; k++)
        {
            table.AddRow(k.ToString(), Markup.Escape(labels[k]), counts[k].ToString("N0"), ((double)counts[k] / r.Count).ToString("P1"));
        }

        console.Write(table);
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (Spectre's tasks are thread-safe).</summary>
    private sealed class Counter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
