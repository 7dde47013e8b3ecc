using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Model;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>
/// `data samples`: a data set as the board's sample file (samples.bin, labels.bin), in the raw form the model takes
/// per inference, so the "samples" sensor replays the user's own clips, windows, rows or frames on a real board.
/// </summary>
internal static class DataSamplesCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var model = new Argument<FileInfo>("model") { Description = "the int8 model (.tmlm) the board will run: its front-end decides the raw form" };
        var data = new Option<string>("--data") { Description = "the samples, in any form of docs/bring-your-own.md (WAV or PNG class folders, CSV windows or table, .npy, IDX); its test part when split", Required = true };
        var limit = new Option<int>("--limit") { Description = "at most this many samples (0 = all)", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "folder to write samples.bin and labels.bin to (provision's device folder, so `flash` deploys them)", Required = true };
        var command = new Command("samples", "A data set as a board's sample file (samples.bin, labels.bin) in the raw form the model takes: pixels, int16 clips and windows, float rows") { model, data, limit, output };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            Int8Model m = ModelReader.Read(File.ReadAllBytes(parse.GetValue(model)!.FullName));
            FrontEnd? fe = m.FrontEnd;
            (int h, int w, int c, string form) = fe switch
            {
                Mfcc mfcc => (1, mfcc.ClipSamples, 1, $"int16 PCM clips of {mfcc.ClipSamples:N0} samples at {mfcc.SampleRate:N0} Hz"),
                Spectral s => (1, s.Samples, s.Channels, $"int16 windows of {s.Samples} samples x {s.Channels} channels, interleaved"),
                ImageFrontEnd i => (i.SrcH, i.SrcW, i.SrcC, $"8-bit frames of {i.SrcH}x{i.SrcW}x{i.SrcC}"),
                Normalize => (m.InputH, m.InputW, m.InputC, $"float32 rows of {m.InputElements} values"),
                null => (m.InputH, m.InputW, m.InputC, $"8-bit samples of {m.InputH}x{m.InputW}x{m.InputC}"),
                _ => throw new ArgumentException($"the {fe.Name} front-end has no sample-file form"),
            };
            DataSetOptions options = dataOptions.For(parse, h, w, c) with { SampleRate = (fe as Mfcc)?.SampleRate };
            DataSplit split = DataOptions.Open(console, parse.GetValue(data)!, options, train: false);
            DataSet set = split.Test.AlignTo(m.Labels);
            int n = parse.GetValue(limit) is > 0 and var k ? Math.Min(k, set.Count) : set.Count;
            using var samples = new MemoryStream();
            for (int i = 0; i < n; i++)
            {
                Write(samples, fe, set.Samples[i]);
            }

            DirectoryInfo dir = parse.GetValue(output)!;
            dir.Create();
            File.WriteAllBytes(Path.Combine(dir.FullName, "samples.bin"), samples.ToArray());
            string labelsNote = "no labels (no labels.bin)";
            if (set.Labels is { } labels)
            {
                // 255: a sample without a usable label (the file's byte per sample).
                File.WriteAllBytes(Path.Combine(dir.FullName, "labels.bin"), [.. labels.Take(n).Select(l => l is >= 0 and < 255 ? (byte)l : (byte)255)]);
                labelsNote = "labels.bin with their classes";
            }

            console.MarkupLineInterpolated($"wrote {n:N0} samples ({form}, {samples.Length:N0} bytes) to {Path.Combine(dir.FullName, "samples.bin")}; {labelsNote}");
            return 0;
        });
        return command;
    }

    /// <summary>One sample in the sensor's raw form: WAV values in [-1, 1] and CSV counts to int16, pixels v / 255 back to bytes.</summary>
    private static void Write(Stream output, FrontEnd? fe, float[] sample)
    {
        switch (fe)
        {
            case Mfcc mfcc:
                foreach (short s in AudioFeatures.ToPcm(sample, mfcc.ClipSamples))
                {
                    output.Write(BitConverter.GetBytes(s));
                }

                break;
            case Spectral:
                foreach (float v in sample)
                {
                    output.Write(BitConverter.GetBytes((short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue)));
                }

                break;
            case Normalize:
                foreach (float v in sample)
                {
                    output.Write(BitConverter.GetBytes(v));
                }

                break;
            default:
                foreach (float v in sample)
                {
                    output.WriteByte((byte)Math.Clamp(Math.Round(v * 255), 0, 255));
                }

                break;
        }
    }
}
