using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Inspection;

/// <summary>One operator as `model inspect` shows it.</summary>
public sealed record LayerSummary(int Index, string Op, string Output, string Activation, long Macs, int ParameterBytes, float OutScale, int OutZeroPoint);

/// <summary>What a model costs on a device: compute, flash and RAM.</summary>
public sealed record ModelSummary(
    string ModelId,
    string VariantId,
    string ContentHash,
    string Input,
    int Classes,
    IReadOnlyList<LayerSummary> Layers,
    long Macs,
    int FlashBytes,
    int ArenaBytes,
    int WorkingBytes)
{
    public static ModelSummary Of(byte[] file)
    {
        Int8Model model = ModelReader.Read(file);
        var interpreter = new Interpreter(model);
        var layers = model.Operators.Select((op, i) => new LayerSummary(
            i,
            op.Name + Detail(op),
            $"{op.OutH}x{op.OutW}x{op.OutC}",
            TinyMLOps.Shared.Quantization.Activation.Name(op.FusedActivation),
            op.Macs,
            op.ParameterBytes,
            op.OutScale,
            op.OutZeroPoint)).ToList();
        return new ModelSummary(
            model.ModelId,
            model.VariantId,
            Convert.ToHexStringLower(model.ContentHash),
            $"{model.InputH}x{model.InputW}x{model.InputC} (scale {model.InputScale:G4}, zp {model.InputZeroPoint})",
            model.Output.OutputElements,
            layers,
            model.TotalMacs,
            file.Length,
            interpreter.ArenaBytes,
            interpreter.WorkingBytes);
    }

    private static string Detail(Operator op) => op switch
    {
        Conv2D c => $" {c.Window.KernelH}x{c.Window.KernelW}/{c.Window.StrideH}",
        DepthwiseConv2D d => $" {d.Window.KernelH}x{d.Window.KernelW}/{d.Window.StrideH} x{d.DepthMultiplier}",
        MaxPool2D m => $" {m.Window.KernelH}x{m.Window.KernelW}/{m.Window.StrideH}",
        AveragePool2D a => $" {a.Window.KernelH}x{a.Window.KernelW}/{a.Window.StrideH}",
        _ => string.Empty,
    };
}
