using System.Runtime.CompilerServices;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>Fully connected on <see cref="SimdGemm"/>: the input widened once to x - zero point, one row times every unit.</summary>
internal static class SimdFullyConnected
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int[] call, sbyte[] arena, PackedGemm g)
    {
        int stride = g.Pairs * 2;
        short[] row = Scratch.Rows(stride);
        Scratch.Widen(arena, call[KernelCall.Input], g.Inputs, call[KernelCall.InZeroPoint], row, 0);
        if (g.Inputs < stride)
        {
            row[g.Inputs] = 0;
        }

        SimdGemm.Run(row, 0, stride, 1, g, arena, call[KernelCall.Output], g.Outputs, call[KernelCall.OutZeroPoint], call[KernelCall.ActMin], call[KernelCall.ActMax]);
    }
}
