using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// One operator's per-channel output stage, eight channels at a time: bias added to the int32 sums, then
/// <see cref="QuantMath.MultiplyByQuantizedMultiplier"/> (64-bit product, rounding, arithmetic shift, saturation at
/// ±2^30), the zero point and the activation clamp. The same integers as the scalar function: AVX2 has no 64-bit
/// arithmetic shift, so the product is offset by 2^62 to make it non-negative, shifted logically and the offset's
/// shifted value taken off again (exact, since 2^s divides 2^62). Channels whose shift the vector path cannot take
/// (a total shift below 1, which QuantizeMultiplier never gives) send the whole operator to the scalar path.
/// </summary>
internal sealed class Requantizer
{
    private const long Offset = 1L << 62;

    private readonly int[] _multipliers;
    private readonly int[] _shifts;

    // Per group of eight channels: the even channels' constants, then the odd ones' (the lanes vpmuldq multiplies).
    private readonly long[] _multiplier;
    private readonly long[] _round;
    private readonly long[] _shift;
    private readonly long[] _unoffset;

    public Requantizer(int[] bias, int[] multipliers, int[] shifts, int channels)
    {
        Channels = channels;
        _multipliers = multipliers;
        _shifts = shifts;
        SourceBias = bias;
        int padded = (channels + 15) & ~15;
        Bias = new int[padded];
        Array.Copy(bias, Bias, channels);
        _multiplier = new long[padded];
        _round = new long[padded];
        _shift = new long[padded];
        _unoffset = new long[padded];
        Vectorized = true;
        for (int c = 0; c < padded; c++)
        {
            int multiplier = 0, total = 31;
            if (c < channels)
            {
                multiplier = multipliers[c];
                total = 31 - shifts[c];
            }

            if (total < 1 || multiplier < 0)
            {
                Vectorized = false;
                continue;
            }

            long round = 1L << (total - 1);
            if (total > 62)
            {
                // The scalar function returns 0: a zero product rounds to zero at any shift.
                multiplier = 0;
                total = 1;
                round = 0;
            }

            int slot = ((c & ~7) + ((c & 1) * 4)) + ((c & 7) >> 1);
            _multiplier[slot] = multiplier;
            _round[slot] = round + Offset;
            _shift[slot] = total;
            _unoffset[slot] = Offset >> total;
        }
    }

    public int Channels { get; }

    /// <summary>The bias, zero-padded to a multiple of 16 channels.</summary>
    public int[] Bias { get; }

    /// <summary>The operator's own bias array, to tell whether a cached entry still belongs to it.</summary>
    public int[] SourceBias { get; }

    /// <summary>False when some channel needs the scalar function's saturating branch.</summary>
    public bool Vectorized { get; }

    public bool Matches(int[] bias, int[] multipliers, int[] shifts) =>
        ReferenceEquals(bias, SourceBias) && ReferenceEquals(multipliers, _multipliers) && ReferenceEquals(shifts, _shifts);

    /// <summary>
    /// Writes count (at most 8) outputs of channels c.. from their sums without bias; destination[position..] must hold
    /// count bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store8(Vector256<int> sums, int c, int count, sbyte[] destination, int position, int zeroPoint, int actMin, int actMax)
    {
        sums = Avx2.Add(sums, Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(Bias), (nuint)c));
        if (!Vectorized)
        {
            StoreScalar(sums, c, count, destination, position, zeroPoint, actMin, actMax);
            return;
        }

        Vector256<int> even = Requantize(sums, c);
        Vector256<int> odd = Requantize(Avx2.ShiftRightLogical(sums.AsInt64(), 32).AsInt32(), c + 4);
        Vector256<int> q = Avx2.Blend(even, Avx2.ShiftLeftLogical(odd.AsInt64(), 32).AsInt32(), 0b1010_1010);
        q = Avx2.Add(q, Vector256.Create(zeroPoint));
        q = Avx2.Min(Avx2.Max(q, Vector256.Create(actMin)), Vector256.Create(actMax));

        // Every lane is within the activation range, a subset of int8, so the saturating packs change nothing.
        Vector128<short> words = Sse2.PackSignedSaturate(q.GetLower(), q.GetUpper());
        Vector128<sbyte> bytes = Sse2.PackSignedSaturate(words, words);
        ref sbyte target = ref MemoryMarshal.GetArrayDataReference(destination);
        if (count == 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref target, position)), bytes.AsInt64().ToScalar());
            return;
        }

        for (int i = 0; i < count; i++)
        {
            destination[position + i] = bytes.GetElement(i);
        }
    }

    /// <summary>The even lanes' (int32 0, 2, 4, 6) requantized values, each in the low half of its 64-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<int> Requantize(Vector256<int> lanes, int slot)
    {
        ref long multiplier = ref MemoryMarshal.GetArrayDataReference(_multiplier);
        ref long round = ref MemoryMarshal.GetArrayDataReference(_round);
        ref long shift = ref MemoryMarshal.GetArrayDataReference(_shift);
        ref long unoffset = ref MemoryMarshal.GetArrayDataReference(_unoffset);
        nuint s = (nuint)slot;
        Vector256<long> product = Avx2.Multiply(lanes, Vector256.LoadUnsafe(ref multiplier, s).AsInt32());
        Vector256<ulong> offset = Avx2.Add(product, Vector256.LoadUnsafe(ref round, s)).AsUInt64();
        Vector256<long> r = Avx2.Subtract(
            Avx2.ShiftRightLogicalVariable(offset, Vector256.LoadUnsafe(ref shift, s).AsUInt64()).AsInt64(),
            Vector256.LoadUnsafe(ref unoffset, s));
        Vector256<long> limit = Vector256.Create((long)QuantMath.RequantizeLimit);
        r = Avx2.BlendVariable(r, limit, Avx2.CompareGreaterThan(r, limit));
        Vector256<long> negative = Vector256.Create(-(long)QuantMath.RequantizeLimit);
        r = Avx2.BlendVariable(r, negative, Avx2.CompareGreaterThan(negative, r));
        return r.AsInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StoreScalar(Vector256<int> sums, int c, int count, sbyte[] destination, int position, int zeroPoint, int actMin, int actMax)
    {
        for (int i = 0; i < count; i++)
        {
            int q = QuantMath.MultiplyByQuantizedMultiplier(sums.GetElement(i), _multipliers[c + i], _shifts[c + i]) + zeroPoint;
            destination[position + i] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
        }
    }
}
