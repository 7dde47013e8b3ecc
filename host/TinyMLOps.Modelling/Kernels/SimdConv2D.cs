using System.Runtime.CompilerServices;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// 2-D convolution on <see cref="SimdGemm"/>. The input is widened once to x - zero point (int16) inside a zero border as
/// wide as the padding: the padded input equals the zero point and adds nothing, as in the C# kernel, which skips it.
/// A 1x1 convolution with stride 1 and no padding multiplies that image directly; any other takes four output pixels
/// at a time, each window's rows copied out in the weights' (ky, kx, input channel) order (im2col).
/// </summary>
internal static class SimdConv2D
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int[] call, sbyte[] arena, PackedGemm g)
    {
        int inH = call[KernelCall.InH], inW = call[KernelCall.InW], inC = call[KernelCall.InC];
        int outH = call[KernelCall.OutH], outW = call[KernelCall.OutW], outC = call[KernelCall.OutC];
        int kh = call[KernelCall.KernelH], kw = call[KernelCall.KernelW];
        int strideH = call[KernelCall.StrideH], strideW = call[KernelCall.StrideW];
        int padTop = call[KernelCall.PadTop], padLeft = call[KernelCall.PadLeft];
        int padBottom = call[KernelCall.PadBottom], padRight = call[KernelCall.PadRight];
        int output = call[KernelCall.Output];
        int outZp = call[KernelCall.OutZeroPoint];
        int actMin = call[KernelCall.ActMin], actMax = call[KernelCall.ActMax];
        int stride = g.Pairs * 2;
        int paddedW = inW + padLeft + padRight;
        int image = (inH + padTop + padBottom) * paddedW * inC;
        int imageSize = (image + 1) & ~1;
        short[] scratch = Scratch.Rows(imageSize + (4 * stride));
        Widen(call, arena, scratch, paddedW);
        int pixels = outH * outW;

        // Pointwise: each pixel's channels are already one row of the product.
        if (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop + padLeft + padBottom + padRight == 0 && inC == stride)
        {
            for (int first = 0; first < pixels; first += 4)
            {
                int count = Math.Min(4, pixels - first);
                SimdGemm.Run(scratch, first * inC, stride, count, g, arena, output + (first * outC), outC, outZp, actMin, actMax);
            }

            return;
        }

        int rowSpan = kw * inC;
        int imageRow = paddedW * inC;
        int rows = imageSize;
        for (int r = 0; r < 4; r++)
        {
            if (g.Inputs < stride)
            {
                scratch[rows + (r * stride) + g.Inputs] = 0;
            }
        }

        for (int first = 0; first < pixels; first += 4)
        {
            int count = Math.Min(4, pixels - first);
            for (int r = 0; r < count; r++)
            {
                int pixel = first + r;
                int oy = pixel / outW, ox = pixel - (oy * outW);
                int from = (((oy * strideH) * paddedW) + (ox * strideW)) * inC;
                int at = rows + (r * stride);
                for (int ky = 0; ky < kh; ky++)
                {
                    if (rowSpan <= 4)
                    {
                        for (int i = 0; i < rowSpan; i++)
                        {
                            scratch[at + i] = scratch[from + i];
                        }
                    }
                    else
                    {
                        Array.Copy(scratch, from, scratch, at, rowSpan);
                    }

                    from += imageRow;
                    at += rowSpan;
                }
            }

            SimdGemm.Run(scratch, rows, stride, count, g, arena, output + (first * outC), outC, outZp, actMin, actMax);
        }
    }

    /// <summary>The input as x - zero point in int16, inside a zero border of the padding's width.</summary>
    private static void Widen(int[] call, sbyte[] arena, short[] image, int paddedW)
    {
        int inH = call[KernelCall.InH], inW = call[KernelCall.InW], inC = call[KernelCall.InC];
        int padTop = call[KernelCall.PadTop], padLeft = call[KernelCall.PadLeft];
        int padBottom = call[KernelCall.PadBottom], padRight = call[KernelCall.PadRight];
        int input = call[KernelCall.Input], inZp = call[KernelCall.InZeroPoint];
        int imageRow = paddedW * inC;
        Array.Clear(image, 0, padTop * imageRow);
        int at = padTop * imageRow;
        for (int y = 0; y < inH; y++)
        {
            if (padLeft > 0)
            {
                Array.Clear(image, at, padLeft * inC);
            }

            Scratch.Widen(arena, input + (y * inW * inC), inW * inC, inZp, image, at + (padLeft * inC));
            if (padRight > 0)
            {
                Array.Clear(image, at + ((padLeft + inW) * inC), padRight * inC);
            }

            at += imageRow;
        }

        Array.Clear(image, at, padBottom * imageRow);
    }
}
