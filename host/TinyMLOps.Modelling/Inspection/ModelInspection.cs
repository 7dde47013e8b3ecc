using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Inspection;

/// <summary>One operator as `model inspect` shows it: Inputs names the tensors it reads (t0 is the model input, tK operator K-1's output).</summary>
public sealed record LayerSummary(int Index, string Op, string Inputs, string Output, string Activation, long Macs, int ParameterBytes, float OutScale, int OutZeroPoint, string NodeName);

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
    int ArenaLowerBound,
    int WorkingBytes,
    string Meaning)
{
    /// <summary>The front-end's one-line description (docs/model-format.md, "Front-end"), or null when the model has none.</summary>
    public string? FrontEnd { get; init; }

    /// <summary>The front-end's time per inference in interpreted-MAC equivalents (<see cref="FrontEndCost"/>); 0 without one.</summary>
    public long FrontEndMacs { get; init; }

    /// <summary>The front-end's time in native-MAC equivalents with the firmware's C twin; null when it has none (<see cref="FrontEndCost.NativeOf"/>).</summary>
    public long? FrontEndNativeMacs { get; init; }

    /// <summary>The front-end's tables and buffers in RAM; 0 without one.</summary>
    public int FrontEndBytes { get; init; }

    public static ModelSummary Of(byte[] file)
    {
        Int8Model model = ModelReader.Read(file);
        var interpreter = new Interpreter(model);
        var frontEnd = FrontEndCost.Of(model.FrontEnd);
        var layers = model.Operators.Select((op, i) => new LayerSummary(
            i,
            op.Name + Detail(op),
            string.Join(",", Enumerable.Range(0, op.InputCount).Select(k => "t" + model.InputIdOf(i, k))),
            $"{op.OutH}x{op.OutW}x{op.OutC}",
            TinyMLOps.Shared.Quantization.Activation.Name(op.FusedActivation),
            op.Macs,
            op.ParameterBytes,
            op.OutScale,
            op.OutZeroPoint,
            op.NodeName ?? string.Empty)).ToList();
        return new ModelSummary(
            model.ModelId,
            model.VariantId,
            Convert.ToHexStringLower(model.ContentHash),
            $"{model.InputH}x{model.InputW}x{model.InputC} (scale {model.InputScale:G4}, zp {model.InputZeroPoint}; given as {Layout(model)})",
            model.Output.OutputElements,
            layers,
            model.TotalMacs,
            file.Length,
            interpreter.ArenaBytes,
            MemoryPlanner.LowerBound(model),
            interpreter.WorkingBytes,
            MeaningOf(model))
        {
            FrontEnd = model.FrontEnd?.Describe(),
            FrontEndMacs = frontEnd.EquivalentMacs,
            FrontEndNativeMacs = FrontEndCost.NativeOf(model.FrontEnd),
            FrontEndBytes = frontEnd.RamBytes,
        };
    }

    private static string Layout(Int8Model model) => model.InputLayout switch
    {
        InputLayout.Nchw => $"[N,{model.InputC},{model.InputH},{model.InputW}] NCHW",
        InputLayout.Nhwc => $"[N,{model.InputH},{model.InputW},{model.InputC}] NHWC",
        InputLayout.Features => $"[N,{model.InputC}] features",
        InputLayout.Nct => $"[N,{model.InputC},{model.InputW}] NCT",
        _ => $"{model.InputH}x{model.InputW}x{model.InputC} HWC",
    };

    private static string MeaningOf(Int8Model model) => model.OutputKind switch
    {
        OutputKind.Regression => "regression",
        OutputKind.Anomaly => $"anomaly score (reconstruction MSE, threshold {model.AnomalyThreshold:G4})",
        _ => model.Labels is { Length: > 0 } labels ? $"classes: {string.Join(", ", labels.Take(12))}{(labels.Length > 12 ? ", …" : string.Empty)}" : "classes (numbered)",
    };

    private static string Detail(Operator op) => op switch
    {
        Conv2D c => $" {c.Window.KernelH}x{c.Window.KernelW}/{c.Window.StrideH}",
        DepthwiseConv2D d => $" {d.Window.KernelH}x{d.Window.KernelW}/{d.Window.StrideH} x{d.DepthMultiplier}",
        MaxPool2D m => $" {m.Window.KernelH}x{m.Window.KernelW}/{m.Window.StrideH}",
        AveragePool2D a => $" {a.Window.KernelH}x{a.Window.KernelW}/{a.Window.StrideH}",
        _ => string.Empty,
    };
}
