using System.CommandLine;
using Google.Protobuf;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>
/// `model watermark ONNX --key KEY.json --out FILE`: embeds a weight-space watermark (creating the key when the
/// file does not exist) and writes the marked model, int8 (.tmlm) or float (.onnx).
/// </summary>
internal static class ModelWatermarkCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("onnx") { Description = "float ONNX model (from `model train`)" };
        var output = Options.Output("marked model to write: int8 (.tmlm, quantized on the task's calibration split) or float (.onnx)");
        var keyFile = new Option<FileInfo>("--key") { Description = "watermark key (JSON); created with a fresh secret when the file does not exist", Required = true };
        var bits = new Option<int>("--bits") { Description = "bits of a new key", DefaultValueFactory = _ => 64 };
        var layer = new Option<int>("--layer") { Description = "dense layer of a new key to mark (0 = first; the last is the one fine-tuned on devices)", DefaultValueFactory = _ => 0 };
        var margin = new Option<double>("--margin") { Description = "projection margin, in standard deviations of the int8 quantization noise", DefaultValueFactory = _ => new WatermarkEmbedOptions().MarginFactor };
        var modelId = new Option<string?>("--model-id") { Description = "model family id (default: the ONNX graph name)" };
        var variantId = new Option<string>("--variant-id") { Description = "variant id", DefaultValueFactory = _ => "int8" };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("watermark", "Embed a multi-bit weight-space watermark in a model and keep its key") { input, output, keyFile, bits, layer, margin, modelId, variantId, task, data };
        command.SetAction(parse =>
        {
            FileInfo file = parse.GetValue(input)!;
            FloatModel model = OnnxImporter.ImportFile(file.FullName);
            FileInfo keyInfo = parse.GetValue(keyFile)!;
            WatermarkKey key;
            if (keyInfo.Exists)
            {
                key = WatermarkKey.Load(keyInfo.FullName);
                console.MarkupLineInterpolated($"key {keyInfo.Name}: {key.BitCount} bits on dense layer {key.Layer} ({key.Inputs}x{key.Units})");
            }
            else
            {
                key = WeightWatermark.CreateKey(model, parse.GetValue(layer), parse.GetValue(bits));
                key.Save(keyInfo.FullName);
                console.MarkupLineInterpolated($"new key {keyInfo.Name}: {key.BitCount} bits on dense layer {key.Layer} ({key.Inputs}x{key.Units}); keep it secret");
            }

            WatermarkEmbedResult embedded = WeightWatermark.Embed(model, key, new WatermarkEmbedOptions { MarginFactor = parse.GetValue(margin) });
            console.MarkupLineInterpolated($"embedded: {embedded.BitsChanged} of {key.BitCount} projections nudged, weights changed by {embedded.RelativeChange:P2} (L2)");
            FileInfo outFile = parse.GetValue(output)!;
            WatermarkReading reading;
            if (outFile.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                File.WriteAllBytes(outFile.FullName, OnnxExporter.ExportFloat(model).ToByteArray());
                reading = WeightWatermark.Verify(model, key);
            }
            else
            {
                TaskDefinition definition = Options.TaskOf(parse, task);
                TaskSplits splits = Options.Load(console, definition, parse.GetValue(data));
                // Without equalization: rescaling the marked layer's channels would move the watermark's projections.
                var options = new QuantizationOptions { ModelId = parse.GetValue(modelId) ?? model.Name, VariantId = parse.GetValue(variantId)!, Equalization = false };
                byte[] bytes = ModelWriter.Write(ModelQuantizeCommand.QuantizeForTask(console, definition, model, splits.Calibration, options));
                File.WriteAllBytes(outFile.FullName, bytes);
                reading = WeightWatermark.Verify(ModelReader.Read(bytes), key);
                console.MarkupLineInterpolated($"int8 held-out accuracy {Evaluation.Evaluate(ModelReader.Read(bytes), splits.HeldOut).Accuracy:P2}");
            }

            console.MarkupLineInterpolated($"wrote {outFile.Name}; reads back with bit error rate {reading.BitErrorRate:P1}");
            return 0;
        });
        return command;
    }
}
