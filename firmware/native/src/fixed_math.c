/*
 * Integer log2 and square root of the front-ends; see tml_frontends.h and FixedMath.cs: the same integers, with
 * log2's exponent found by binary search and its mantissa squared in 32x32->64 bits (cheaper on 32-bit cores).
 */
#include "tml_frontends.h"

int32_t tml_log2_fixed(int64_t v, int32_t frac)
{
    int32_t e = 0;
    uint64_t t = (uint64_t)v;
    uint32_t m;
    int32_t result;
    int32_t i;
    if (v < 1) {
        return 0;
    }

    /* e = floor(log2 v), the C#'s bit-by-bit loop as a binary search: 6 steps instead of up to 62. */
    if (t >> 32) {
        t >>= 32;
        e += 32;
    }

    if (t >> 16) {
        t >>= 16;
        e += 16;
    }

    if (t >> 8) {
        t >>= 8;
        e += 8;
    }

    if (t >> 4) {
        t >>= 4;
        e += 4;
    }

    if (t >> 2) {
        t >>= 2;
        e += 2;
    }

    if (t >> 1) {
        e += 1;
    }

    /*
     * v < 2^(e + 1), so the mantissa m is in [2^30, 2^31) and stays there: the C# long fits a uint32_t, and its
     * square (below 2^62) one 32x32->64 multiply (umull on Cortex-M, mul/mulhu on RISC-V) instead of a 64x64 one.
     */
    m = (uint32_t)(e >= 30 ? v >> (e - 30) : v << (30 - e));
    result = e << frac;
    for (i = frac - 1; i >= 0; i--) {
        uint64_t square = ((uint64_t)m * m) >> 30;
        if (square >= ((uint64_t)2 << 30)) {
            square >>= 1;
            result |= (int32_t)1 << i;
        }

        m = (uint32_t)square;
    }

    return result;
}

int64_t tml_sqrt_fixed(int64_t v)
{
    int64_t result = 0;
    int64_t bit = (int64_t)1 << 62;
    if (v <= 0) {
        return 0;
    }

    while (bit > v) {
        bit >>= 2;
    }

    while (bit != 0) {
        if (v >= result + bit) {
            v -= result + bit;
            result = (result >> 1) + bit;
        } else {
            result >>= 1;
        }

        bit >>= 2;
    }

    return result;
}
