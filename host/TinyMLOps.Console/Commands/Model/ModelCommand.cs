using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model ...`: train, quantize, import, export, inspect, evaluate, run and watermark models.</summary>
internal static class ModelCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var model = new Command("model", "Train, quantize, convert, inspect and evaluate models");
        model.Subcommands.Add(ModelTrainCommand.Build(console));
        model.Subcommands.Add(ModelQuantizeCommand.Build(console, "quantize", "Quantize a float ONNX model (from `model train`) to an int8 model, calibrating on held-out images"));
        model.Subcommands.Add(ModelQuantizeCommand.Build(console, "import-onnx", "Import a float ONNX model exported by PyTorch or Keras and quantize it to an int8 model"));
        model.Subcommands.Add(ModelExportCommand.Build(console));
        model.Subcommands.Add(ModelInspectCommand.Build(console));
        model.Subcommands.Add(ModelEvalCommand.Build(console));
        model.Subcommands.Add(ModelPredictCommand.Build(console));
        model.Subcommands.Add(ModelPipelineCommand.Build(console));
        model.Subcommands.Add(ModelWatermarkCommand.Build(console));
        model.Subcommands.Add(ModelVerifyWatermarkCommand.Build(console));
        return model;
    }
}
