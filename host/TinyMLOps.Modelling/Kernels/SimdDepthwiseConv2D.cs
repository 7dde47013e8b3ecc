using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// Depthwise convolution with a depth multiplier of 1, eight channels per vector: for each output pixel and each tap
/// inside the input, (x - zero point) × w in int32 lanes (vpmulld, exact), summed with wraparound like the C# kernel.
/// Taps in the padding are skipped, as there.
/// </summary>
internal static class SimdDepthwiseConv2D
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int[] call, sbyte[] arena, PackedDepthwise p)
    {
        int inH = call[KernelCall.InH], inW = call[KernelCall.InW], channels = call[KernelCall.InC];
        int outH = call[KernelCall.OutH], outW = call[KernelCall.OutW];
        int kh = call[KernelCall.KernelH], kw = call[KernelCall.KernelW];
        int strideH = call[KernelCall.StrideH], strideW = call[KernelCall.StrideW];
        int padTop = call[KernelCall.PadTop], padLeft = call[KernelCall.PadLeft];
        int input = call[KernelCall.Input], output = call[KernelCall.Output];
        int outZp = call[KernelCall.OutZeroPoint];
        int actMin = call[KernelCall.ActMin], actMax = call[KernelCall.ActMax];
        Vector256<int> inZp = Vector256.Create(call[KernelCall.InZeroPoint]);
        Requantizer requantizer = p.Requantizer;
        ref int w = ref MemoryMarshal.GetArrayDataReference(p.Weights);
        int wStride = p.Stride;
        int outIndex = output;
        for (int oy = 0; oy < outH; oy++)
        {
            int iy0 = (oy * strideH) - padTop;
            int kyStart = iy0 < 0 ? -iy0 : 0;
            int kyEnd = iy0 + kh > inH ? inH - iy0 : kh;
            for (int ox = 0; ox < outW; ox++)
            {
                int ix0 = (ox * strideW) - padLeft;
                int kxStart = ix0 < 0 ? -ix0 : 0;
                int kxEnd = ix0 + kw > inW ? inW - ix0 : kw;
                for (int c = 0; c < channels; c += 8)
                {
                    Vector256<int> acc = Vector256<int>.Zero;
                    for (int ky = kyStart; ky < kyEnd; ky++)
                    {
                        int at = input + ((((iy0 + ky) * inW) + ix0 + kxStart) * channels) + c;
                        nuint wi = (nuint)((((ky * kw) + kxStart) * wStride) + c);
                        for (int kx = kxStart; kx < kxEnd; kx++)
                        {
                            Vector256<int> x = Avx2.Subtract(Scratch.Load8(arena, at), inZp);
                            acc = Avx2.Add(acc, Avx2.MultiplyLow(x, Vector256.LoadUnsafe(ref w, wi)));
                            at += channels;
                            wi += (nuint)wStride;
                        }
                    }

                    requantizer.Store8(acc, c, Math.Min(8, channels - c), arena, outIndex + c, outZp, actMin, actMax);
                }

                outIndex += channels;
            }
        }
    }
}
