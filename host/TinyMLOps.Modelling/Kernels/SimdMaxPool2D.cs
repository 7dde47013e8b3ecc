using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// Max pooling, sixteen channels per vector (pmaxsb): the maximum over the window's positions inside the input (from
/// -128, padding skipped), clamped to the activation range, as the C# kernel computes it. A last block of fewer than
/// sixteen channels runs per channel.
/// </summary>
internal static class SimdMaxPool2D
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int[] call, sbyte[] arena)
    {
        int inH = call[KernelCall.InH], inW = call[KernelCall.InW], channels = call[KernelCall.InC];
        int outH = call[KernelCall.OutH], outW = call[KernelCall.OutW];
        int kh = call[KernelCall.KernelH], kw = call[KernelCall.KernelW];
        int strideH = call[KernelCall.StrideH], strideW = call[KernelCall.StrideW];
        int padTop = call[KernelCall.PadTop], padLeft = call[KernelCall.PadLeft];
        int input = call[KernelCall.Input];
        int actMin = call[KernelCall.ActMin], actMax = call[KernelCall.ActMax];
        Vector128<sbyte> low = Vector128.Create((sbyte)actMin), high = Vector128.Create((sbyte)actMax);
        ref sbyte a = ref MemoryMarshal.GetArrayDataReference(arena);
        int rowStride = inW * channels;
        int vectorChannels = channels & ~15;
        int outIndex = call[KernelCall.Output];
        for (int oy = 0; oy < outH; oy++)
        {
            int y0 = (oy * strideH) - padTop;
            int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + kh, inH);
            for (int ox = 0; ox < outW; ox++)
            {
                int x0 = (ox * strideW) - padLeft;
                int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + kw, inW);
                int corner = input + (yStart * rowStride) + (xStart * channels);
                int c = 0;
                for (; c < vectorChannels; c += 16)
                {
                    Vector128<sbyte> max = Vector128.Create((sbyte)-128);
                    int row = corner + c;
                    for (int y = yStart; y < yEnd; y++)
                    {
                        int at = row;
                        for (int x = xStart; x < xEnd; x++)
                        {
                            max = Sse41.Max(max, Vector128.LoadUnsafe(ref a, (nuint)at));
                            at += channels;
                        }

                        row += rowStride;
                    }

                    Sse41.Min(Sse41.Max(max, low), high).StoreUnsafe(ref a, (nuint)(outIndex + c));
                }

                for (; c < channels; c++)
                {
                    int max = -128;
                    int row = corner + c;
                    for (int y = yStart; y < yEnd; y++)
                    {
                        int at = row;
                        for (int x = xStart; x < xEnd; x++)
                        {
                            max = Math.Max(max, arena[at]);
                            at += channels;
                        }

                        row += rowStride;
                    }

                    arena[outIndex + c] = (sbyte)Math.Clamp(max, actMin, actMax);
                }

                outIndex += channels;
            }
        }
    }
}
