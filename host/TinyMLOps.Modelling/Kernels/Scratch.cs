using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// Per-thread int16 rows the SIMD kernels widen their inputs into: grown on first use to the largest layer seen, then
/// reused, so Invoke allocates nothing in steady state and interpreters on different threads never share one.
/// </summary>
internal static class Scratch
{
    [ThreadStatic]
    private static short[]? _rows;

    public static short[] Rows(int length)
    {
        short[]? rows = _rows;
        if (rows == null || rows.Length < length)
        {
            rows = new short[Math.Max(length, 1024)];
            _rows = rows;
        }

        return rows;
    }

    /// <summary>destination[at..at+count] = source[from..from+count] - zeroPoint, sixteen at a time where both arrays allow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(sbyte[] source, int from, int count, int zeroPoint, short[] destination, int at)
    {
        ref sbyte src = ref MemoryMarshal.GetArrayDataReference(source);
        ref short dst = ref MemoryMarshal.GetArrayDataReference(destination);
        Vector256<short> zp = Vector256.Create((short)zeroPoint);
        int i = 0;
        if (at + count <= destination.Length)
        {
            int safe = Math.Min(count, source.Length - from);
            for (; i + 16 <= safe; i += 16)
            {
                Vector128<sbyte> x = Vector128.LoadUnsafe(ref src, (nuint)(from + i));
                Avx2.Subtract(Avx2.ConvertToVector256Int16(x), zp).StoreUnsafe(ref dst, (nuint)(at + i));
            }
        }

        for (; i < count; i++)
        {
            destination[at + i] = (short)(source[from + i] - zeroPoint);
        }
    }

    /// <summary>Eight int8 values from source[at..] sign-extended to int32; lanes past the array's end are 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8(sbyte[] source, int at)
    {
        if (at + 8 <= source.Length)
        {
            long bytes = Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(source), at)));
            return Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(bytes).AsSByte());
        }

        return Load8AtEnd(source, at);
    }

    /// <summary>The few loads that would run past the arena's end, kept out of line so <see cref="Load8"/> inlines.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<int> Load8AtEnd(sbyte[] source, int at)
    {
        Span<int> lanes = stackalloc int[8];
        for (int i = 0; i < 8 && at + i < source.Length; i++)
        {
            lanes[i] = source[at + i];
        }

        return Vector256.Create<int>(lanes);
    }
}
