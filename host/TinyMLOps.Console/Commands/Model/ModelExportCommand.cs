using System.CommandLine;
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
        var command = new Command("export-onnx", "Export an int8 model as ONNX (MatMulInteger / ConvInteger, QuantizeLinear)") { input, output };
        command.SetAction(parse =>
        {
            var model = ModelReader.Read(File.ReadAllBytes(parse.GetValue(input)!.FullName));
            byte[] onnx = OnnxExporter.ExportInt8(model).ToByteArray();
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, onnx);
            console.MarkupLineInterpolated($"wrote {file.Name}: {onnx.Length:N0} bytes ONNX for a {model.FileBytes:N0}-byte int8 model");
            return 0;
        });
        return command;
    }
}
