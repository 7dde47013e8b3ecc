using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// The int8 matrix product behind dense layers and convolutions: rows of centred inputs (x - zero point, int16, so
/// padding is a zero) times <see cref="PackedGemm"/> weights, with Avx2.MultiplyAddAdjacent (vpmaddwd). Each product
/// fits int16 × int16 and a pair's sum fits int32 (|x - zp| ≤ 255, |w| ≤ 128), so nothing saturates; the int32 sums
/// wrap exactly as the C# kernels' do, in any order. Four rows at a time share each weight load.
/// </summary>
internal static class SimdGemm
{
    /// <summary>
    /// Rows (1 to 4) of a from a[start], each <paramref name="stride"/> int16 apart (start and stride even), times
    /// every output channel; row r's outputs go to destination[position + (r * step)..].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(short[] a, int start, int stride, int rows, PackedGemm g, sbyte[] destination, int position, int step, int zeroPoint, int actMin, int actMax)
    {
        Requantizer requantizer = g.Requantizer;
        int outputs = g.Outputs;
        for (int b = 0; b < g.Blocks; b++)
        {
            int c = b * PackedGemm.Block;
            int lowCount = Math.Min(8, outputs - c);
            int highCount = Math.Min(8, outputs - c - 8);
            if (rows == 4)
            {
                Block4(a, start, stride, g, b, out var l0, out var h0, out var l1, out var h1, out var l2, out var h2, out var l3, out var h3);
                Store(requantizer, l0, h0, c, lowCount, highCount, destination, position, zeroPoint, actMin, actMax);
                Store(requantizer, l1, h1, c, lowCount, highCount, destination, position + step, zeroPoint, actMin, actMax);
                Store(requantizer, l2, h2, c, lowCount, highCount, destination, position + (2 * step), zeroPoint, actMin, actMax);
                Store(requantizer, l3, h3, c, lowCount, highCount, destination, position + (3 * step), zeroPoint, actMin, actMax);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    Block1(a, start + (r * stride), g, b, out var low, out var high);
                    Store(requantizer, low, high, c, lowCount, highCount, destination, position + (r * step), zeroPoint, actMin, actMax);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Requantizer requantizer, Vector256<int> low, Vector256<int> high, int c, int lowCount, int highCount, sbyte[] destination, int position, int zeroPoint, int actMin, int actMax)
    {
        requantizer.Store8(low, c, lowCount, destination, position + c, zeroPoint, actMin, actMax);
        if (highCount > 0)
        {
            requantizer.Store8(high, c + 8, highCount, destination, position + c + 8, zeroPoint, actMin, actMax);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1(short[] a, int start, PackedGemm g, int b, out Vector256<int> low, out Vector256<int> high)
    {
        ref short w = ref MemoryMarshal.GetArrayDataReference(g.Weights);
        ref int x = ref Unsafe.As<short, int>(ref MemoryMarshal.GetArrayDataReference(a));
        int pairs = g.Pairs;
        nuint wi = (nuint)(b * pairs * 32);
        nuint xi = (nuint)(start / 2);
        Vector256<int> l = Vector256<int>.Zero, h = Vector256<int>.Zero;
        Vector256<int> l2 = Vector256<int>.Zero, h2 = Vector256<int>.Zero;
        int p = 0;
        for (; p + 1 < pairs; p += 2)
        {
            Vector256<short> x0 = Vector256.Create(Unsafe.Add(ref x, xi)).AsInt16();
            Vector256<short> x1 = Vector256.Create(Unsafe.Add(ref x, xi + 1)).AsInt16();
            l = Avx2.Add(l, Avx2.MultiplyAddAdjacent(x0, Vector256.LoadUnsafe(ref w, wi)));
            h = Avx2.Add(h, Avx2.MultiplyAddAdjacent(x0, Vector256.LoadUnsafe(ref w, wi + 16)));
            l2 = Avx2.Add(l2, Avx2.MultiplyAddAdjacent(x1, Vector256.LoadUnsafe(ref w, wi + 32)));
            h2 = Avx2.Add(h2, Avx2.MultiplyAddAdjacent(x1, Vector256.LoadUnsafe(ref w, wi + 48)));
            wi += 64;
            xi += 2;
        }

        if (p < pairs)
        {
            Vector256<short> x0 = Vector256.Create(Unsafe.Add(ref x, xi)).AsInt16();
            l = Avx2.Add(l, Avx2.MultiplyAddAdjacent(x0, Vector256.LoadUnsafe(ref w, wi)));
            h = Avx2.Add(h, Avx2.MultiplyAddAdjacent(x0, Vector256.LoadUnsafe(ref w, wi + 16)));
        }

        low = Avx2.Add(l, l2);
        high = Avx2.Add(h, h2);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4(
        short[] a, int start, int stride, PackedGemm g, int b,
        out Vector256<int> l0, out Vector256<int> h0, out Vector256<int> l1, out Vector256<int> h1,
        out Vector256<int> l2, out Vector256<int> h2, out Vector256<int> l3, out Vector256<int> h3)
    {
        ref short w = ref MemoryMarshal.GetArrayDataReference(g.Weights);
        ref int x = ref Unsafe.As<short, int>(ref MemoryMarshal.GetArrayDataReference(a));
        int pairs = g.Pairs;
        nuint wi = (nuint)(b * pairs * 32);
        nuint s = (nuint)(stride / 2);
        x = ref Unsafe.Add(ref x, start / 2);
        l0 = h0 = l1 = h1 = l2 = h2 = l3 = h3 = Vector256<int>.Zero;
        for (nuint p = 0; p < (nuint)pairs; p++)
        {
            Vector256<short> wl = Vector256.LoadUnsafe(ref w, wi);
            Vector256<short> wh = Vector256.LoadUnsafe(ref w, wi + 16);
            wi += 32;
            Vector256<short> x0 = Vector256.Create(Unsafe.Add(ref x, p)).AsInt16();
            Vector256<short> x1 = Vector256.Create(Unsafe.Add(ref x, p + s)).AsInt16();
            Vector256<short> x2 = Vector256.Create(Unsafe.Add(ref x, p + (2 * s))).AsInt16();
            Vector256<short> x3 = Vector256.Create(Unsafe.Add(ref x, p + (3 * s))).AsInt16();
            l0 = Avx2.Add(l0, Avx2.MultiplyAddAdjacent(x0, wl));
            h0 = Avx2.Add(h0, Avx2.MultiplyAddAdjacent(x0, wh));
            l1 = Avx2.Add(l1, Avx2.MultiplyAddAdjacent(x1, wl));
            h1 = Avx2.Add(h1, Avx2.MultiplyAddAdjacent(x1, wh));
            l2 = Avx2.Add(l2, Avx2.MultiplyAddAdjacent(x2, wl));
            h2 = Avx2.Add(h2, Avx2.MultiplyAddAdjacent(x2, wh));
            l3 = Avx2.Add(l3, Avx2.MultiplyAddAdjacent(x3, wl));
            h3 = Avx2.Add(h3, Avx2.MultiplyAddAdjacent(x3, wh));
        }
    }
}
