using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model quantize` and `model import-onnx`: float ONNX in, int8 model out, calibrated on the user's data or a task's calibration split.</summary>
internal static class ModelQuantizeCommand
{
    public static Command Build(IAnsiConsole console, string name, string description)
    {
        var input = new Argument<FileInfo>("onnx") { Description = "float ONNX model" };
        var output = Options.Output("int8 model file to write (.tmlm)");
        var modelId = new Option<string?>("--model-id") { Description = "model family id (default: the ONNX graph name)" };
        var variantId = new Option<string>("--variant-id") { Description = "variant id", DefaultValueFactory = _ => "int8" };
        var calibration = new Option<string>("--calibration")
        {
            Description = "representative inputs: a data set in any form of docs/bring-your-own.md (PNG or WAV class folders, a CSV table, a folder of CSV windows, X.npy with y.npy, IDX; its train part when split), or a number N: the first N samples of the task's calibration split (0: all of it)",
            DefaultValueFactory = _ => "0",
        };
        var labels = new Option<string?>("--labels") { Description = "class names: a file with one per line, or a comma-separated list (default: the ONNX file's metadata, else numbered)" };
        var kind = new Option<string>("--output-kind")
        {
            Description = "with --calibration X.npy: what the output means: classes, regression, anomaly (an autoencoder; threshold: the 99th percentile reconstruction error of the calibration samples, which must be normal data), or auto (anomaly when the output has the input's shape)",
            DefaultValueFactory = _ => "auto",
        };
        kind.AcceptOnlyFromAmong("auto", "classes", "regression", "anomaly");
        var method = new Option<string>("--calibration-method")
        {
            Description = "how each layer's int8 range is chosen from the calibration inputs: percentile (clip each side at its 99.99th percentile), mse (the range with the least quantization error), or minmax (the observed range)",
            DefaultValueFactory = _ => "percentile",
        };
        method.AcceptOnlyFromAmong("percentile", "mse", "minmax");
        var noBiasCorrection = new Option<bool>("--no-bias-correction") { Description = "keep the quantized biases as rounded (by default each conv and dense bias is corrected for the mean output shift of quantization on up to 512 calibration inputs)" };
        var noEqualization = new Option<bool>("--no-equalization") { Description = "quantize the float weights as imported (by default cross-layer equalization first rescales the channels of consecutive conv and dense layers so that their weight ranges match, which evens out long-tailed activation channels; use it for a weight-watermarked model, whose mark the rescaling moves, and for a model whose dense head trains on the devices, whose per-channel SGD steps it would skew)" };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command(name, description) { input, output, modelId, variantId, calibration, method, noBiasCorrection, noEqualization, labels, kind, task, data };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(command);
        var normalize = CalibrationData.NormalizeOption();
        command.Options.Add(normalize);
        var frontEnd = CalibrationData.FrontEndOption();
        command.Options.Add(frontEnd);
        var mfcc = CalibrationData.MfccOption();
        command.Options.Add(mfcc);
        var image = CalibrationData.ImageOption();
        command.Options.Add(image);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            var floatModel = OnnxImporter.ImportFile(file.FullName, ReadLabels(parse.GetValue(labels)));
            console.MarkupLineInterpolated($"imported {file.Name}: {string.Join(" → ", floatModel.Layers.Select(l => l.Kind))}");
            var options = new QuantizationOptions
            {
                ModelId = parse.GetValue(modelId) ?? floatModel.Name,
                VariantId = parse.GetValue(variantId)!,
                CalibrationMethod = CalibrationStrategies.Parse(parse.GetValue(method)!),
                BiasCorrection = !parse.GetValue(noBiasCorrection),
                Equalization = !parse.GetValue(noEqualization),
            };
            string source = parse.GetValue(calibration)!;
            byte[] bytes;
            if (int.TryParse(source, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int images))
            {
                TaskDefinition definition = Options.TaskOf(parse, task);
                LabelledSet set = Options.Load(console, definition, parse.GetValue(data)).Calibration;
                bytes = ModelWriter.Write(QuantizeForTask(console, definition, floatModel, set, options, images));
            }
            else
            {
                var read = CalibrationData.Read(console, source, floatModel, dataOptions.For(parse, floatModel.Input.H, floatModel.Input.W, floatModel.Input.C), parse.GetValue(normalize)!, parse.GetValue(frontEnd)!, CalibrationData.ParseMfcc(parse.GetValue(mfcc)), parse.GetValue(image));
                (floatModel, float[][] samples) = (read.Model, read.Samples);
                Int8Model int8 = PostTrainingQuantizer.Quantize(floatModel, samples, options with { PixelInput = false, CalibrationSamples = samples.Length });
                int8.FrontEnd = read.FrontEnd;
                string meaning = parse.GetValue(kind)!;
                if (meaning == "auto")
                {
                    meaning = floatModel.Output == floatModel.Input && floatModel.Layers[^1] is not SoftmaxLayer ? "anomaly" : "classes";
                }

                int8.OutputKind = meaning switch { "anomaly" => OutputKind.Anomaly, "regression" => OutputKind.Regression, _ => OutputKind.Classes };
                if (int8.OutputKind == OutputKind.Anomaly)
                {
                    int8.AnomalyThreshold = AnomalyThreshold.Calibrate(int8, samples);
                    console.MarkupLineInterpolated($"anomaly threshold {int8.AnomalyThreshold:G4} (reconstruction MSE, 99th percentile of the calibration samples)");
                }

                bytes = ModelWriter.Write(int8);
            }

            File.WriteAllBytes(parse.GetValue(output)!.FullName, bytes);
            ModelInspectCommand.Render(console, ModelSummary.Of(bytes));
            return 0;
        });
        return command;
    }

    /// <summary>The samples of a .npy file for an H x W x C input, each in HWC order.</summary>
    public static float[][] Samples(string path, int h, int w, int c)
    {
        NpyArray array = Npy.Read(path);
        ResolvedInput resolved = ResolvedInput.Resolve(array.Shape, h, w, c);
        var samples = new float[resolved.Count][];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = new float[h * w * c];
            resolved.CopySample(array.Values, i, h, w, c, samples[i]);
        }

        return samples;
    }

    /// <summary>--labels: a file with one name per line, or a comma-separated list; null when not given.</summary>
    public static IReadOnlyList<string>? ReadLabels(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return File.Exists(value)
            ? [.. File.ReadAllLines(value).Select(l => l.Trim()).Where(l => l.Length > 0)]
            : [.. value.Split(',').Select(l => l.Trim())];
    }

    /// <summary>
    /// Quantizes on the task's calibration samples (the first <paramref name="samples"/>, 0: all), with the data's class
    /// names when the model has none of its own, and the task's front-end when the model takes its output.
    /// </summary>
    public static Int8Model QuantizeForTask(IAnsiConsole console, TaskDefinition task, FloatModel model, LabelledSet calibration, QuantizationOptions options, int samples = 0)
    {
        if (model.Labels.Count == 0 && model.Output.Elements == calibration.ClassCount)
        {
            model = model.WithLabels(calibration.ClassNames);
        }

        int n = samples > 0 ? Math.Min(samples, calibration.Count) : calibration.Count;
        console.MarkupLineInterpolated($"calibrating on {n:N0} of the {task.Id} task's calibration {task.SampleNoun}");
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, calibration, options with { CalibrationSamples = n });
        if (task.CreateFrontEnd() is { } frontEnd && frontEnd.OutH == int8.InputH && frontEnd.OutW == int8.InputW && frontEnd.OutC == int8.InputC)
        {
            int8.FrontEnd = frontEnd;
            console.MarkupLineInterpolated($"front-end {frontEnd.Describe()}: the model takes its output");
        }

        return int8;
    }

    public static byte[] Quantize(FloatModel model, LabelledSet calibration, QuantizationOptions options)
    {
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, calibration, options);
        return ModelWriter.Write(int8);
    }
}
