using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>The options every verb that reads the user's data takes (docs/bring-your-own.md), and reading it with a summary.</summary>
internal sealed class DataOptions
{
    /// <summary>Skipped files listed one per line before "... and N more".</summary>
    public const int SkippedShown = 10;

    public Option<string?> LabelColumn { get; } = new("--label-column")
    {
        Description = $"CSV data: the column holding the label (default: a column named '{DataSetOptions.DefaultLabelColumn}'; naming one makes it required)",
    };

    public Option<double> Holdout { get; } = new("--holdout")
    {
        Description = "data without train/ and test/ parts: hold out this fraction by a seeded split (calibration takes the rest, eval the held-out part); 0: no split",
        DefaultValueFactory = _ => 0,
    };

    public Option<int> SplitSeed { get; } = new("--split-seed")
    {
        Description = "the seed of the --holdout split (printed with the split)",
        DefaultValueFactory = _ => 1,
    };

    public void AddTo(Command command, bool split = true)
    {
        command.Options.Add(LabelColumn);
        if (split)
        {
            command.Options.Add(Holdout);
            command.Options.Add(SplitSeed);
        }
    }

    public DataSetOptions For(ParseResult parse, int h, int w, int c, string? labelsPath = null)
    {
        string? column = parse.GetValue(LabelColumn);
        return new DataSetOptions(h, w, c)
        {
            LabelColumn = column ?? DataSetOptions.DefaultLabelColumn,
            LabelColumnRequired = column != null,
            LabelsPath = labelsPath,
            Holdout = parse.GetResult(Holdout) == null ? 0 : parse.GetValue(Holdout),
            SplitSeed = parse.GetValue(SplitSeed),
        };
    }

    /// <summary>Opens the data and prints what was loaded (the part used) and the skipped files, one line each.</summary>
    public static DataSplit Open(IAnsiConsole console, string path, DataSetOptions options, bool train)
    {
        DataSplit split = DataSetLoader.Open(path, options);
        Report(console, split, train);
        return split;
    }

    /// <summary>One line for the part used, one for the split, one per skipped file (at most <see cref="SkippedShown"/>).</summary>
    public static void Report(IAnsiConsole console, DataSplit split, bool train)
    {
        DataSet used = train ? split.Train : split.Test;
        console.MarkupLineInterpolated($"loaded {used.Summary()}");
        if (split.How != "no split: all samples")
        {
            console.MarkupLineInterpolated($"split: {split.How}; train {split.Train.Count:N0}, test {split.Test.Count:N0} samples");
        }

        IReadOnlyList<SkippedFile> skipped = split.Skipped;
        foreach (SkippedFile s in skipped.Take(SkippedShown))
        {
            console.MarkupLineInterpolated($"[yellow]skipped[/] {s}");
        }

        if (skipped.Count > SkippedShown)
        {
            console.MarkupLineInterpolated($"[yellow]skipped[/] ... and {skipped.Count - SkippedShown:N0} more");
        }
    }
}

/// <summary>`--normalize` and the calibration data of `model import-onnx` and `model quantize`.</summary>
internal static class CalibrationData
{
    public static Option<string> NormalizeOption()
    {
        var option = new Option<string>("--normalize")
        {
            Description = "per-feature scaling of tabular and sensor data into int8: auto (per-feature for CSV data when the first layer is dense, else none), none (the model takes the values as they are, e.g. it was trained on data you normalised yourself and the files hold those values), per-feature (model trained on raw values: robust scaling in a front-end, undone in the first layer), standardize (model trained on (x - mean) / std of this data, as StandardScaler)",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "none", "per-feature", "standardize");
        return option;
    }

    public static Option<string> FrontEndOption()
    {
        var option = new Option<string>("--front-end")
        {
            Description = "what the device runs on raw samples before the model: auto (mfcc when the calibration data are WAV clips and the model takes the MFCC's frames x coefficients x 1, 49x10x1 by default), none, mfcc (the keyword-spotting MFCC: 16 kHz, 49 frames x 10 coefficients unless --mfcc says otherwise; the model is calibrated on the device's fixed-point features), or image (camera frames cropped, resized, greyed and normalised on the device: --image says how; calibration images are read at the frame's size)",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "none", "mfcc", "image");
        return option;
    }

    /// <summary>The MFCC front-end's parameters (<c>--mfcc</c>): the keyword-spotting defaults with the named ones replaced.</summary>
    public static Option<string?> MfccOption() => new("--mfcc")
    {
        Description = "with the mfcc front-end: its parameters as key=value pairs, each replacing the keyword-spotting default: rate=16000 (Hz), frame=640 and hop=320 (samples), fft=1024, frames=49, mel=40 (bands), coefficients=10, low=20 and high=4000 (Hz, the mel range), noise=0 (noise reduction: 0 off, else the noise floor's shift 1-15); e.g. --mfcc \"rate=8000,frame=256,hop=128,fft=256\"; the model's input must be frames x coefficients x 1",
    };

    /// <summary>The image front-end's parameters (<c>--image</c>, <see cref="ImageFrontEndSpec"/>).</summary>
    public static Option<string?> ImageOption() => new("--image")
    {
        Description = "with --front-end image: frame=HxWxC (the camera frame, required), crop=TOP:LEFT:HEIGHT:WIDTH (default: the centred square), grey (RGB to one channel, BT.601), mean=M[:M:M] and std=S[:S:S] per channel on pixel / 255 (default 0 and 1); e.g. --image \"frame=120x160x3,grey,mean=0.286,std=0.353\"",
    };

    /// <summary>Parses <c>--mfcc</c> (null: the keyword-spotting MFCC); a bad key or value is one line naming it.</summary>
    public static Mfcc ParseMfcc(string? text)
    {
        Mfcc d = AudioFeatures.KeywordMfcc();
        var values = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
        {
            ["rate"] = d.SampleRate, ["frame"] = d.FrameLength, ["hop"] = d.Stride, ["fft"] = d.FftSize, ["frames"] = d.Frames,
            ["mel"] = d.MelBands, ["coefficients"] = d.Coefficients, ["low"] = d.LowHz, ["high"] = d.HighHz, ["noise"] = d.NoiseShift,
        };
        foreach (string pair in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !values.ContainsKey(kv[0]))
            {
                throw new ArgumentException($"--mfcc: '{pair}' is not key=value with a key of {string.Join(", ", values.Keys)}");
            }

            if (!int.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                throw new ArgumentException($"--mfcc: {kv[0]}={kv[1]} is not a whole number");
            }

            values[kv[0]] = v;
        }

        try
        {
            return new Mfcc(values["rate"], values["frame"], values["hop"], values["fft"], values["frames"], values["mel"], values["coefficients"], values["low"], values["high"], values["noise"]);
        }
        catch (TinyMLOps.Shared.Model.ModelFormatException e)
        {
            throw new ArgumentException($"--mfcc: {e.Message}");
        }
    }

    /// <summary>
    /// Reads calibration data of any form, decides the front-end and returns the model to calibrate (with
    /// the scaling folded in where chosen), the samples as that model sees them and the front-end for the int8 model.
    /// </summary>
    public static (FloatModel Model, float[][] Samples, FrontEnd? FrontEnd) Read(IAnsiConsole console, string path, FloatModel model, DataSetOptions options, string normalize, string frontEnd = "none", Mfcc? mfccSpec = null, string? imageSpec = null)
    {
        if (frontEnd == "image")
        {
            ImageFrontEnd image = ImageFrontEndSpec.Parse(imageSpec, model.Input.H, model.Input.W, model.Input.C);
            return (model, ReadFrames(console, path, options, image), image);
        }

        Mfcc mfcc = mfccSpec ?? AudioFeatures.KeywordMfcc();
        bool shape = model.Input.H == mfcc.OutH && model.Input.W == mfcc.OutW && model.Input.C == mfcc.OutC;
        bool wav = Directory.Exists(path) && Directory.EnumerateFiles(path, "*.wav", SearchOption.AllDirectories).Any();
        if (frontEnd == "mfcc" || (frontEnd == "auto" && shape && wav))
        {
            return (model, ReadMfcc(console, path, model, options, mfcc, shape), mfcc);
        }

        DataSet data = DataOptions.Open(console, path, options, train: true).Train;
        bool tabular = data.Format is CsvTableLoader.Format or CsvWindowLoader.Format or "sensor window (CSV)";
        FeatureNormalization mode = normalize switch
        {
            "none" => FeatureNormalization.None,
            "per-feature" => FeatureNormalization.PerFeature,
            "standardize" => FeatureNormalization.Standardize,
            _ => tabular && FeatureScaling.CannotFold(model) == null ? FeatureNormalization.PerFeature : FeatureNormalization.None,
        };
        Normalize? scaling = null;
        if (mode == FeatureNormalization.PerFeature)
        {
            if (FeatureScaling.CannotFold(model) is { } reason)
            {
                throw new ArgumentException($"--normalize per-feature: {reason}; use standardize if the model was trained on standardised values, or none");
            }

            scaling = FeatureScaling.Robust(data);
            model = FeatureScaling.Fold(model, scaling);
            console.MarkupLineInterpolated($"per-feature scaling: a normalize front-end (median, {FeatureScaling.RobustPercentile:P0} of |x - median|) of {scaling.Offset.Length} features, undone in the first layer");
        }
        else if (mode == FeatureNormalization.Standardize)
        {
            scaling = FeatureScaling.Standardize(data);
            console.MarkupLineInterpolated($"standardisation: a normalize front-end ((x - mean) / std of the calibration data) of {scaling.Offset.Length} features");
        }
        else if (normalize == "auto" && tabular)
        {
            console.MarkupLineInterpolated($"no per-feature scaling: {FeatureScaling.CannotFold(model)} (--normalize standardize if it was trained on standardised values)");
        }

        IReadOnlyList<float[]> samples = FeatureScaling.Apply(scaling, data.Samples);
        console.MarkupLineInterpolated($"calibrating on {samples.Count.ToString("N0", CultureInfo.InvariantCulture)} samples from {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}");
        return (model, [.. samples], scaling);
    }

    /// <summary>
    /// Images read at the camera frame's size, through the device's own crop, resize and grey (8-bit levels), then
    /// normalised: calibration sees the numbers the board will feed.
    /// </summary>
    private static float[][] ReadFrames(IAnsiConsole console, string path, DataSetOptions options, ImageFrontEnd image)
    {
        DataSet data = DataOptions.Open(console, path, options with { Height = image.SrcH, Width = image.SrcW, Channels = image.SrcC }, train: true).Train;
        float[][] samples = [.. data.Samples.Select(frame => FeatureScaling.Apply(image, frame))];
        console.MarkupLineInterpolated($"front-end {image.Describe()}");
        console.MarkupLineInterpolated($"calibrating on {samples.Length.ToString("N0", CultureInfo.InvariantCulture)} frames from {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))} through the device's resize");
        return samples;
    }

    /// <summary>
    /// WAV clips through the device's fixed-point MFCC (Q16 / 65536): the int8 input and activation ranges are set on
    /// the numbers the device will feed, not on the float reference the model was trained on.
    /// </summary>
    private static float[][] ReadMfcc(IAnsiConsole console, string path, FloatModel model, DataSetOptions options, Mfcc mfcc, bool shape)
    {
        if (!shape)
        {
            throw new ArgumentException($"--front-end mfcc gives {mfcc.OutH}x{mfcc.OutW}x{mfcc.OutC} (frames x coefficients x 1); the model takes {model.Input.H}x{model.Input.W}x{model.Input.C}");
        }

        DataSet data = DataOptions.Open(console, path, options with { Height = 1, Width = mfcc.ClipSamples, Channels = 1, SampleRate = mfcc.SampleRate }, train: true).Train;
        float[][] samples = AudioFeatures.Compute(mfcc, data.Samples, fixedPoint: true);
        console.MarkupLineInterpolated($"front-end {mfcc.Describe()}");
        console.MarkupLineInterpolated($"calibrating on the fixed-point MFCC of {samples.Length.ToString("N0", CultureInfo.InvariantCulture)} clips from {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}");
        return samples;
    }
}
