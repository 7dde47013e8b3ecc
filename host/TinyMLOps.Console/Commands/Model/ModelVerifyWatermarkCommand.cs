using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>
/// `model verify-watermark FILE --key KEY.json` (or `--registry DIR`, every key `variant build` kept): reads the mark
/// out of a suspect model; exit code 0 when it matches, 2 when it does not.
/// </summary>
internal static class ModelVerifyWatermarkCommand
{
    public const int NoMatchExitCode = 2;

    public static Command Build(IAnsiConsole console)
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
            FloatModel? floatModel = onnx ? OnnxImporter.Import(bytes) : null;
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
