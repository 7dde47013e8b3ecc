using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands;

/// <summary>
/// `model watermark ONNX --key KEY.json --out FILE`: embeds a weight-space watermark (creating the key when the
/// file does not exist) and writes the marked model, int8 (.tmlm) or float (.onnx). `model verify-watermark FILE
/// --key KEY.json` (or `--registry DIR`, every key `variant build` kept): reads the mark out of a suspect model;
/// exit code 0 when it matches, 2 when it does not.
/// </summary>
internal static class ModelWatermarkCommands
{
    public const int NoMatchExitCode = 2;

    public static Command BuildWatermark(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("onnx") { Description = "float ONNX model (from `model train`)" };
        var output = Options.Output("marked model to write: int8 (.tmlm, quantized on held-out images) or float (.onnx)");
        var keyFile = new Option<FileInfo>("--key") { Description = "watermark key (JSON); created with a fresh secret when the file does not exist", Required = true };
        var bits = new Option<int>("--bits") { Description = "bits of a new key", DefaultValueFactory = _ => 64 };
        var layer = new Option<int>("--layer") { Description = "dense layer of a new key to mark (0 = first; the last is the one fine-tuned on devices)", DefaultValueFactory = _ => 0 };
        var margin = new Option<double>("--margin") { Description = "projection margin, in standard deviations of the int8 quantization noise", DefaultValueFactory = _ => new WatermarkEmbedOptions().MarginFactor };
        var modelId = new Option<string?>("--model-id") { Description = "model family id (default: the ONNX graph name)" };
        var variantId = new Option<string>("--variant-id") { Description = "variant id", DefaultValueFactory = _ => "int8" };
        var data = Options.DataDirectory();
        var command = new Command("watermark", "Embed a multi-bit weight-space watermark in a model and keep its key") { input, output, keyFile, bits, layer, margin, modelId, variantId, data };
        command.SetAction(parse =>
        {
            FileInfo file = parse.GetValue(input)!;
            FloatModel model = OnnxImporter.ImportFile(file.FullName, FashionMnist.ClassNames);
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
                var splits = FashionMnist.Load(parse.GetValue(data));
                var options = new QuantizationOptions { ModelId = parse.GetValue(modelId) ?? model.Name, VariantId = parse.GetValue(variantId)! };
                byte[] bytes = ModelQuantizeCommand.Quantize(model, splits.HeldOut, options);
                File.WriteAllBytes(outFile.FullName, bytes);
                reading = WeightWatermark.Verify(ModelReader.Read(bytes), key);
                console.MarkupLineInterpolated($"int8 test accuracy {Evaluation.Evaluate(ModelReader.Read(bytes), splits.Test).Accuracy:P2}");
            }

            console.MarkupLineInterpolated($"wrote {outFile.Name}; reads back with bit error rate {reading.BitErrorRate:P1}");
            return 0;
        });
        return command;
    }

    public static Command BuildVerify(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("file") { Description = "suspect model: int8 (.tmlm) or float ONNX (.onnx)" };
        var keyFile = new Option<FileInfo?>("--key") { Description = "watermark key (JSON) from `model watermark`" };
        var registry = new Option<string?>("--registry") { Description = "check against every watermark key of this variant registry (kept by `variant build`)" };
        var command = new Command("verify-watermark", "Check a suspect model for a watermark: bit error rate, false-positive probability, verdict (exit 0 marked, 2 not)") { input, keyFile, registry };
        command.SetAction(parse =>
        {
            FileInfo file = parse.GetValue(input)!;
            bool onnx = file.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase);
            byte[] bytes = File.ReadAllBytes(file.FullName);
            FloatModel? floatModel = onnx ? OnnxImporter.Import(bytes, labels: FashionMnist.ClassNames) : null;
            Int8Model? int8 = onnx ? null : ModelReader.Read(bytes);
            WatermarkReading Read(WatermarkKey key) => floatModel != null ? WeightWatermark.Verify(floatModel, key) : WeightWatermark.Verify(int8!, key);

            if (parse.GetValue(keyFile) is { } single)
            {
                WatermarkReading r = Read(WatermarkKey.Load(single.FullName));
                Render(console, file.Name, r);
                return r.IsMatch ? 0 : NoMatchExitCode;
            }

            string root = parse.GetValue(registry) ?? throw new ArgumentException("give the key (--key KEY.json) or a variant registry (--registry DIR)");
            var keys = VariantRegistry.Open(root).WatermarkKeys();
            if (keys.Count == 0)
            {
                throw new InvalidOperationException($"the registry {Path.GetFullPath(root)} keeps no watermark keys (variants built with --no-watermark, or before watermarking)");
            }

            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(file.Name)).AddColumns("variant", "version", "bit errors", "false-positive probability", "verdict");
            var matches = new List<string>();
            foreach (var (artifact, key) in keys)
            {
                WatermarkReading r;
                try
                {
                    r = Read(key);
                }
                catch (ArgumentException e)
                {
                    // Another architecture: the marked layer does not exist or has another shape.
                    table.AddRow(Markup.Escape(artifact.VariantId), artifact.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "-", "-", $"[grey]{Markup.Escape(e.Message)}[/]");
                    continue;
                }

                if (r.IsMatch)
                {
                    matches.Add($"{artifact.VariantId} v{artifact.Version}");
                }

                table.AddRow(
                    Markup.Escape(artifact.VariantId),
                    artifact.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"{r.Errors}/{r.BitCount} ({r.BitErrorRate:P1})",
                    r.FalsePositiveProbability.ToString("E2", System.Globalization.CultureInfo.InvariantCulture),
                    r.IsMatch ? "[green bold]PRESENT[/]" : "no");
            }

            console.Write(table);
            if (matches.Count == 0)
            {
                console.MarkupLine("[yellow bold]verdict: no watermark[/] of this registry");
                return NoMatchExitCode;
            }

            console.MarkupLineInterpolated($"[green bold]verdict: WATERMARK PRESENT[/]: derives from {string.Join(", ", matches)}");
            return 0;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, string name, WatermarkReading r)
    {
        console.MarkupLineInterpolated($"[bold]{name}[/]: dense layer {r.Key.Layer} ({r.Key.Inputs}x{r.Key.Units}), {r.BitCount}-bit key");
        console.MarkupLineInterpolated($"bit error rate {r.BitErrorRate:P1} ({r.Matched} of {r.BitCount} bits match; threshold {r.Key.Threshold:P0})");
        console.MarkupLineInterpolated($"false-positive probability (an unmarked model this close): {r.FalsePositiveProbability:E2}");
        if (r.IsMatch)
        {
            console.MarkupLine("[green bold]verdict: WATERMARK PRESENT[/] (the model derives from the marked one)");
        }
        else
        {
            console.MarkupLine("[yellow bold]verdict: no watermark[/] (no evidence for this key)");
        }
    }
}
