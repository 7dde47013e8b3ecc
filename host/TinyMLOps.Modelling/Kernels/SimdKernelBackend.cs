using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// The host's int8 kernels on AVX2 (System.Runtime.Intrinsics): dense layers, convolutions, depthwise convolutions
/// (depth multiplier 1) and max pooling, byte-identical with the C# kernels. Every other operator, and a layer whose descriptor does
/// not fit the arena, is declined and runs on the C# kernel. Weights are reordered once per operator (cached by the
/// operator's multiplier array, which lives as long as the operator) and checked against the call before each use.
/// </summary>
public sealed class SimdKernelBackend : IKernelBackend
{
    private readonly ConditionalWeakTable<int[], object> _packed = [];

    /// <summary>True when this CPU runs the kernels (AVX2).</summary>
    public static bool IsSupported => Avx2.IsSupported;

    public string Name => "simd";

    public bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        int inputs = call[KernelCall.InC], outputs = call[KernelCall.OutC];
        if (!IsSupported || !Fits(arena, call[KernelCall.Input], inputs) || !Fits(arena, call[KernelCall.Output], outputs))
        {
            return false;
        }

        PackedGemm? g = Gemm(call, weights, bias, multipliers, shifts, inputs);
        if (g == null)
        {
            return false;
        }

        SimdFullyConnected.Run(call, arena, g);
        return true;
    }

    public bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        long inputs = (long)call[KernelCall.KernelH] * call[KernelCall.KernelW] * call[KernelCall.InC];
        if (!IsSupported || inputs > int.MaxValue / 8 || !FitsTensors(call, arena))
        {
            return false;
        }

        PackedGemm? g = Gemm(call, weights, bias, multipliers, shifts, (int)inputs);
        if (g == null)
        {
            return false;
        }

        SimdConv2D.Run(call, arena, g);
        return true;
    }

    public bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        int channels = call[KernelCall.OutC];
        if (!IsSupported || call[KernelCall.DepthMultiplier] != 1 || call[KernelCall.InC] != channels || !FitsTensors(call, arena))
        {
            return false;
        }

        int taps = call[KernelCall.KernelH] * call[KernelCall.KernelW];
        int offset = call[KernelCall.Aux];
        if (!_packed.TryGetValue(multipliers, out object? entry) || entry is not PackedDepthwise p
            || !p.Matches(weights, offset, taps, channels, bias, multipliers, shifts))
        {
            if (offset < 0 || (long)offset + ((long)taps * channels) > weights.Length || bias.Length < channels || multipliers.Length < channels || shifts.Length < channels)
            {
                return false;
            }

            p = new PackedDepthwise(weights, offset, taps, channels, new Requantizer(bias, multipliers, shifts, channels));
            _packed.AddOrUpdate(multipliers, p);
        }

        SimdDepthwiseConv2D.Run(call, arena, p);
        return true;
    }

    public bool AveragePool2D(int[] call, sbyte[] arena) => false;

    public bool MaxPool2D(int[] call, sbyte[] arena)
    {
        if (!IsSupported || !FitsTensors(call, arena))
        {
            return false;
        }

        SimdMaxPool2D.Run(call, arena);
        return true;
    }

    public bool Add(int[] call, sbyte[] arena, int[] terms) => false;

    public bool Mul(int[] call, sbyte[] arena) => false;

    public bool Softmax(int[] call, sbyte[] arena, int[] expTable) => false;

    public bool Mean(int[] call, sbyte[] arena, int[] sums) => false;

    public bool Concat(int[] call, sbyte[] arena, sbyte[] tables) => false;

    public bool Pad(int[] call, sbyte[] arena) => false;

    public bool Lookup(int[] call, sbyte[] arena, byte[] table) => false;

    /// <summary>The operator's packed weights, built on its first call; null when the descriptor does not match its buffers.</summary>
    private PackedGemm? Gemm(int[] call, byte[] weights, int[] bias, int[] multipliers, int[] shifts, int inputs)
    {
        int outputs = call[KernelCall.OutC];
        int offset = call[KernelCall.Aux];
        if (_packed.TryGetValue(multipliers, out object? entry) && entry is PackedGemm g
            && g.Matches(weights, offset, outputs, inputs, bias, multipliers, shifts))
        {
            return g;
        }

        if (offset < 0 || (long)offset + ((long)inputs * outputs) > weights.Length || bias.Length < outputs || multipliers.Length < outputs || shifts.Length < outputs)
        {
            return null;
        }

        g = new PackedGemm(weights, offset, outputs, inputs, new Requantizer(bias, multipliers, shifts, outputs));
        _packed.AddOrUpdate(multipliers, g);
        return g;
    }

    private static bool FitsTensors(int[] call, sbyte[] arena) =>
        Fits(arena, call[KernelCall.Input], (long)call[KernelCall.InH] * call[KernelCall.InW] * call[KernelCall.InC])
        && Fits(arena, call[KernelCall.Output], (long)call[KernelCall.OutH] * call[KernelCall.OutW] * call[KernelCall.OutC]);

    private static bool Fits(sbyte[] arena, int offset, long length) => offset >= 0 && length >= 0 && offset + length <= arena.Length;
}
