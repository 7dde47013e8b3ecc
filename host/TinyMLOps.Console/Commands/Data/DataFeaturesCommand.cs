using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Commands.Model;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Preprocessing;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>`data features`: a front-end's features of WAV clips as X.npy and y.npy, to train a model on.</summary>
internal static class DataFeaturesCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var frontEnd = new Option<string>("--front-end") { Description = "mfcc: 49 frames x 10 coefficients of 1 s at 16 kHz (the keyword-spotting MFCC, docs/tasks.md)", DefaultValueFactory = _ => "mfcc" };
        frontEnd.AcceptOnlyFromAmong("mfcc");
        var data = new Option<string>("--data") { Description = "WAV clips in class subfolders (or a folder with train/ and test/ parts)", Required = true };
        var part = new Option<string>("--part") { Description = "which part of split data: train or test", DefaultValueFactory = _ => "train" };
        part.AcceptOnlyFromAmong("train", "test");
        var fixedPoint = new Option<bool>("--fixed-point") { Description = "the device's fixed-point features (Q16 / 65536) instead of the float reference the model is trained on" };
        var output = Options.Output("X.npy to write: float32 [N, 1, frames, coefficients]; the labels go beside it (y.npy, or STEM_y.npy) as int64");
        var command = new Command("features", "A front-end's features of WAV clips as X.npy and y.npy, to train a model on outside") { frontEnd, data, part, fixedPoint, output };
        command.SetAction(parse =>
        {
            var mfcc = AudioFeatures.KeywordMfcc();
            var options = new DataSetOptions(1, mfcc.ClipSamples, 1) { SampleRate = mfcc.SampleRate };
            bool train = parse.GetValue(part) == "train";
            DataSplit split = DataOptions.Open(console, parse.GetValue(data)!, options, train);
            DataSet set = train ? split.Train : split.Test;
            int[] labels = set.RequireLabels("; features need class subfolders");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            float[][] x = AudioFeatures.Compute(mfcc, set.Samples, parse.GetValue(fixedPoint));
            var flat = new float[x.Length * mfcc.Frames * mfcc.Coefficients];
            for (int i = 0; i < x.Length; i++)
            {
                x[i].CopyTo(flat, i * x[i].Length);
            }

            string path = parse.GetValue(output)!.FullName;
            string stem = Path.GetFileNameWithoutExtension(path);
            string yPath = Path.Combine(Path.GetDirectoryName(path)!, stem is "x" or "X" ? "y.npy" : $"{stem}_y.npy");
            File.WriteAllBytes(path, Npy.WriteFloat32(flat, x.Length, 1, mfcc.Frames, mfcc.Coefficients));
            File.WriteAllBytes(yPath, Npy.WriteInt64([.. labels.Select(l => (long)l)], labels.Length));
            console.MarkupLineInterpolated($"{(parse.GetValue(fixedPoint) ? "fixed-point" : "float reference")} {mfcc.Describe()} of {x.Length:N0} clips in {watch.Elapsed.TotalSeconds:F1} s");
            console.MarkupLineInterpolated($"wrote {path} ({x.Length}, 1, {mfcc.Frames}, {mfcc.Coefficients}) and {yPath}; classes {string.Join(", ", set.ClassNames.Select((n, k) => $"{k} {n}"))}");
            return 0;
        });
        return command;
    }
}
