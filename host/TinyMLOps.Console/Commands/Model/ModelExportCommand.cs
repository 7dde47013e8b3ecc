using System.CommandLine;
using Google.Protobuf;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model export-onnx`: our int8 model as an ONNX graph of integer ops that ONNX Runtime runs exactly.</summary>
internal static class ModelExportCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo>("model") { Description = "int8 model (.tmlm)" };
        var output = Options.Output("ONNX file to write");
        var int8Io = new Option<bool>("--int8-io") { Description = "int8 input and output (the interpreter's own tensors) instead of the source model's float input and dequantized float outputs" };
        var command = new Command("export-onnx", "Export an int8 model as ONNX integer ops that compute the interpreter's integers; float in and out by default, to run beside the original model") { input, output, int8Io };
        command.SetAction(parse =>
        {
            var model = ModelReader.Read(File.ReadAllBytes(parse.GetValue(input)!.FullName));
            byte[] onnx = OnnxExporter.ExportInt8(model, new OnnxInt8ExportOptions { FloatInterface = !parse.GetValue(int8Io) }).ToByteArray();
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, onnx);
            console.MarkupLineInterpolated($"wrote {file.Name}: {onnx.Length:N0} bytes ONNX for a {model.FileBytes:N0}-byte int8 model");
            if (model.FrontEnd is not null and not TinyMLOps.Shared.Preprocessing.Normalize)
            {
                // The fixed-point signal processing has no ONNX form; the export starts where the model does.
                console.MarkupLineInterpolated($"the {model.FrontEnd.Name} front-end is not in the export: it takes the front-end's output ({model.InputH}x{model.InputW}x{model.InputC})");
            }
            else if (model.FrontEnd is not null && !parse.GetValue(int8Io))
            {
                console.MarkupLineInterpolated($"the {model.FrontEnd.Name} front-end is in the export: it takes raw values, as the device does");
            }
            return 0;
        });
        return command;
    }
}
