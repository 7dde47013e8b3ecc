using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model quantize` and `model import-onnx`: float ONNX in, int8 model out, calibrated on held-out images.</summary>
internal static class ModelQuantizeCommand
{
    public static Command Build(IAnsiConsole console, string name, string description)
    {
        var input = new Argument<FileInfo>("onnx") { Description = "float ONNX model" };
        var output = Options.Output("int8 model file to write (.tmlm)");
        var modelId = new Option<string?>("--model-id") { Description = "model family id (default: the ONNX graph name)" };
        var variantId = new Option<string>("--variant-id") { Description = "variant id", DefaultValueFactory = _ => "int8" };
        var calibration = new Option<int>("--calibration") { Description = "held-out images used for calibration", DefaultValueFactory = _ => 2000 };
        var data = Options.DataDirectory();
        var command = new Command(name, description) { input, output, modelId, variantId, calibration, data };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            var floatModel = OnnxImporter.ImportFile(file.FullName, FashionMnist.ClassNames);
            console.MarkupLineInterpolated($"imported {file.Name}: {string.Join(" → ", floatModel.Layers.Select(l => l.Kind))}");
            var splits = FashionMnist.Load(parse.GetValue(data));
            var options = new QuantizationOptions
            {
                ModelId = parse.GetValue(modelId) ?? floatModel.Name,
                VariantId = parse.GetValue(variantId)!,
                CalibrationSamples = parse.GetValue(calibration),
            };
            byte[] bytes = Quantize(floatModel, splits.HeldOut, options);
            File.WriteAllBytes(parse.GetValue(output)!.FullName, bytes);
            ModelInspectCommand.Render(console, ModelSummary.Of(bytes));
            return 0;
        });
        return command;
    }

    public static byte[] Quantize(FloatModel model, ImageDataset calibration, QuantizationOptions options)
    {
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, calibration, options);
        return ModelWriter.Write(int8);
    }
}
