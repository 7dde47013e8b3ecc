using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// 2-D convolution as im2col on <see cref="SimdGemm"/>: four output pixels at a time, each pixel's window widened to
/// x - zero point in the weights' (ky, kx, input channel) order, with zeros where the window meets the padding (the
/// padded input equals the zero point and adds nothing, as in the C# kernel), then times every filter.
/// </summary>
internal static class SimdConv2D
{
    public static void Run(int[] call, sbyte[] arena, PackedGemm g)
    {
        int inH = call[KernelCall.InH], inW = call[KernelCall.InW], inC = call[KernelCall.InC];
        int outH = call[KernelCall.OutH], outW = call[KernelCall.OutW], outC = call[KernelCall.OutC];
        int kh = call[KernelCall.KernelH], kw = call[KernelCall.KernelW];
        int strideH = call[KernelCall.StrideH], strideW = call[KernelCall.StrideW];
        int padTop = call[KernelCall.PadTop], padLeft = call[KernelCall.PadLeft];
        int input = call[KernelCall.Input], output = call[KernelCall.Output];
        int inZp = call[KernelCall.InZeroPoint], outZp = call[KernelCall.OutZeroPoint];
        int actMin = call[KernelCall.ActMin], actMax = call[KernelCall.ActMax];
        int stride = g.Pairs * 2;
        short[] rows = Scratch.Rows(4 * stride);
        int pixels = outH * outW;
        int rowSpan = kw * inC;
        for (int first = 0; first < pixels; first += 4)
        {
            int count = Math.Min(4, pixels - first);
            for (int r = 0; r < count; r++)
            {
                int pixel = first + r;
                int oy = pixel / outW, ox = pixel % outW;
                int iy0 = (oy * strideH) - padTop;
                int ix0 = (ox * strideW) - padLeft;
                int kxStart = ix0 < 0 ? -ix0 : 0;
                int kxEnd = ix0 + kw > inW ? inW - ix0 : kw;
                int at = r * stride;
                for (int ky = 0; ky < kh; ky++)
                {
                    int iy = iy0 + ky;
                    if (iy < 0 || iy >= inH || kxStart >= kxEnd)
                    {
                        Array.Clear(rows, at, rowSpan);
                    }
                    else
                    {
                        int before = kxStart * inC;
                        int span = (kxEnd - kxStart) * inC;
                        if (before > 0)
                        {
                            Array.Clear(rows, at, before);
                        }

                        Scratch.Widen(arena, input + (((iy * inW) + ix0 + kxStart) * inC), span, inZp, rows, at + before);
                        int after = rowSpan - before - span;
                        if (after > 0)
                        {
                            Array.Clear(rows, at + before + span, after);
                        }
                    }

                    at += rowSpan;
                }

                if (g.Inputs < stride)
                {
                    rows[(r * stride) + g.Inputs] = 0;
                }
            }

            SimdGemm.Run(rows, stride, count, g, arena, output + (first * outC), outC, outZp, actMin, actMax);
        }
    }
}
