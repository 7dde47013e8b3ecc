/*
 * What the optimised paths share: the inlined requantization, and the inner loops of fully connected and
 * convolution, dot products of a run of n int8 inputs, centred by the input zero point, with TML_DOT_ROWS weight
 * rows at once, so that each input is loaded and centred once for several output channels. Sums are modulo 2^32
 * like the reference's uint32_t accumulators, so their order does not change a bit.
 */
#ifndef TML_DOT_H
#define TML_DOT_H

#include <stdint.h>
#include "tml_quant_math.h"
#include "../tml_path.h"

/*
 * tml_requantize inlined, with a short form for the usual case, a multiplier below 1/2 (total shift 33..62): the
 * rounding term 2^(total - 1) is then a multiple of 2^32, so the 64-bit sum's low word never carries into the
 * result and (x m + 2^(total - 1)) >> total equals (high word of x m + 2^(total - 33)) >> (total - 32), exactly;
 * |high word| <= 2^30 keeps the sum and the result inside the +-2^30 saturation. Other shifts take the full
 * tml_multiply_by_quantized_multiplier.
 */
static inline int8_t tml_requantize_fast(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_zero_point,
                                         int32_t act_min, int32_t act_max)
{
    int32_t total = 31 - shift;
    int32_t q;
    if (total >= 33 && total <= 62) {
        int32_t high = (int32_t)(((int64_t)acc * multiplier) >> 32);
        q = ((high + (1 << (total - 33))) >> (total - 32)) + output_zero_point;
    } else {
        q = tml_multiply_by_quantized_multiplier(acc, multiplier, shift) + output_zero_point;
    }

    return (int8_t)(q < act_min ? act_min : (q > act_max ? act_max : q));
}

#if TML_PATH == TML_PATH_DSP
#include <arm_acle.h>

/*
 * Arm DSP extension: SXTAB16 widens bytes 0 and 2 (or, rotated, 1 and 3) of four inputs into two int16 lanes and
 * adds the negated zero point to both (|x - zp| <= 255 fits a lane); SXTB16 widens the weights alike; SMLAD
 * multiplies lane by lane and adds both products to the accumulator, wrapping as the reference does.
 */
#define TML_DOT_ROWS 4

static inline uint32_t tml_load4(const int8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* one LDR: Cortex-M4/M7 load unaligned words */
    return v;
}

/*
 * SXTB16 and SXTAB16 of the bytes 1 and 3: one instruction with the rotation folded in. ACLE has no rotated
 * form and gcc 12 does not fold (v >> 8) | (v << 24) into the operand, which would cost a ROR per word.
 */
static inline int16x2_t tml_sxtb16_odd(uint32_t v)
{
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

static inline int16x2_t tml_sxtab16_odd(int16x2_t a, uint32_t v)
{
    int16x2_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
    return r;
}

/* The negated zero point in both int16 lanes. */
static inline int16x2_t tml_lane_offset(int32_t zero_point)
{
    return (int16x2_t)(((uint32_t)-zero_point & 0xFFFFu) * 0x00010001u);
}

/* acc[r] += sum_i (x[i] - zp) * w[r * stride + i] for r < TML_DOT_ROWS, i < n. */
static inline void tml_dot_rows(const int8_t *x, const int8_t *w, int32_t stride, int32_t n, int32_t zp, uint32_t *acc)
{
    const int8_t *w1 = w + stride;
    const int8_t *w2 = w1 + stride;
    const int8_t *w3 = w2 + stride;
    int16x2_t offset;
    int32_t a0 = (int32_t)acc[0];
    int32_t a1 = (int32_t)acc[1];
    int32_t a2 = (int32_t)acc[2];
    int32_t a3 = (int32_t)acc[3];
    int32_t i = 0;
    if (n < 4) {
        /* Short runs (a first layer's three-byte kernel rows): bytewise, without the packed loop's set-up. */
        for (; i < n; i++) {
            int32_t xc = x[i] - zp;
            acc[0] += (uint32_t)(xc * w[i]);
            acc[1] += (uint32_t)(xc * w1[i]);
            acc[2] += (uint32_t)(xc * w2[i]);
            acc[3] += (uint32_t)(xc * w3[i]);
        }

        return;
    }

    offset = tml_lane_offset(zp);
    for (; i + 4 <= n; i += 4) {
        uint32_t xv = tml_load4(x + i);
        int16x2_t even = __sxtab16(offset, (int8x4_t)xv);
        int16x2_t odd = tml_sxtab16_odd(offset, xv);
        uint32_t wv = tml_load4(w + i);
        a0 = __smlad(even, __sxtb16((int8x4_t)wv), a0);
        a0 = __smlad(odd, tml_sxtb16_odd(wv), a0);
        wv = tml_load4(w1 + i);
        a1 = __smlad(even, __sxtb16((int8x4_t)wv), a1);
        a1 = __smlad(odd, tml_sxtb16_odd(wv), a1);
        wv = tml_load4(w2 + i);
        a2 = __smlad(even, __sxtb16((int8x4_t)wv), a2);
        a2 = __smlad(odd, tml_sxtb16_odd(wv), a2);
        wv = tml_load4(w3 + i);
        a3 = __smlad(even, __sxtb16((int8x4_t)wv), a3);
        a3 = __smlad(odd, tml_sxtb16_odd(wv), a3);
    }

    for (; i < n; i++) {
        int32_t xc = x[i] - zp;
        a0 = (int32_t)((uint32_t)a0 + (uint32_t)(xc * w[i]));
        a1 = (int32_t)((uint32_t)a1 + (uint32_t)(xc * w1[i]));
        a2 = (int32_t)((uint32_t)a2 + (uint32_t)(xc * w2[i]));
        a3 = (int32_t)((uint32_t)a3 + (uint32_t)(xc * w3[i]));
    }

    acc[0] = (uint32_t)a0;
    acc[1] = (uint32_t)a1;
    acc[2] = (uint32_t)a2;
    acc[3] = (uint32_t)a3;
}

/* acc + sum_i (x[i] - zp) * w[i] for i < n. */
static inline uint32_t tml_dot(const int8_t *x, const int8_t *w, int32_t n, int32_t zp, uint32_t acc)
{
    int16x2_t offset = tml_lane_offset(zp);
    int32_t a = (int32_t)acc;
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        uint32_t xv = tml_load4(x + i);
        uint32_t wv = tml_load4(w + i);
        a = __smlad(__sxtab16(offset, (int8x4_t)xv), __sxtb16((int8x4_t)wv), a);
        a = __smlad(tml_sxtab16_odd(offset, xv), tml_sxtb16_odd(wv), a);
    }

    acc = (uint32_t)a;
    for (; i < n; i++) {
        acc += (uint32_t)((x[i] - zp) * w[i]);
    }

    return acc;
}

#else

/*
 * Portable: four weight rows at once and four inputs per step. Each step's four products (each within
 * 255 * 128) are summed in int32 before the wrapping add: no overflow.
 */
#define TML_DOT_ROWS 4

/* acc[r] += sum_i (x[i] - zp) * w[r * stride + i] for r < TML_DOT_ROWS, i < n. */
static inline void tml_dot_rows(const int8_t *x, const int8_t *w, int32_t stride, int32_t n, int32_t zp, uint32_t *acc)
{
    const int8_t *w0 = w;
    const int8_t *w1 = w0 + stride;
    const int8_t *w2 = w1 + stride;
    const int8_t *w3 = w2 + stride;
    uint32_t a0 = acc[0];
    uint32_t a1 = acc[1];
    uint32_t a2 = acc[2];
    uint32_t a3 = acc[3];
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        int32_t x0 = x[i] - zp;
        int32_t x1 = x[i + 1] - zp;
        int32_t x2 = x[i + 2] - zp;
        int32_t x3 = x[i + 3] - zp;
        a0 += (uint32_t)((x0 * w0[i]) + (x1 * w0[i + 1]) + (x2 * w0[i + 2]) + (x3 * w0[i + 3]));
        a1 += (uint32_t)((x0 * w1[i]) + (x1 * w1[i + 1]) + (x2 * w1[i + 2]) + (x3 * w1[i + 3]));
        a2 += (uint32_t)((x0 * w2[i]) + (x1 * w2[i + 1]) + (x2 * w2[i + 2]) + (x3 * w2[i + 3]));
        a3 += (uint32_t)((x0 * w3[i]) + (x1 * w3[i + 1]) + (x2 * w3[i + 2]) + (x3 * w3[i + 3]));
    }

    for (; i < n; i++) {
        int32_t xc = x[i] - zp;
        a0 += (uint32_t)(xc * w0[i]);
        a1 += (uint32_t)(xc * w1[i]);
        a2 += (uint32_t)(xc * w2[i]);
        a3 += (uint32_t)(xc * w3[i]);
    }

    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* acc + sum_i (x[i] - zp) * w[i] for i < n. */
static inline uint32_t tml_dot(const int8_t *x, const int8_t *w, int32_t n, int32_t zp, uint32_t acc)
{
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        acc += (uint32_t)(((x[i] - zp) * w[i]) + ((x[i + 1] - zp) * w[i + 1])
                          + ((x[i + 2] - zp) * w[i + 2]) + ((x[i + 3] - zp) * w[i + 3]));
    }

    for (; i < n; i++) {
        acc += (uint32_t)((x[i] - zp) * w[i]);
    }

    return acc;
}

#endif

#endif
