/*
 * Elementwise Mul, optimised paths (tml_path.h): the smaller input's cycle as an inner loop and the requantization
 * inlined (tml_requantize_fast). Bit-exact with the reference in ../mul.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"

#if TML_PATH != TML_PATH_REFERENCE

void tml_mul(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             int32_t larger_zero_point, int32_t smaller_zero_point, int32_t multiplier, int32_t shift,
             int8_t *output)
{
    int32_t out_zp = quant->output_zero_point;
    int32_t act_min = quant->act_min;
    int32_t act_max = quant->act_max;
    int32_t i = 0;
    while (i < count) {
        int32_t n = count - i < cycle ? count - i : cycle;
        int32_t j;
        for (j = 0; j < n; j++) {
            int32_t product = (larger[i + j] - larger_zero_point) * (smaller[j] - smaller_zero_point);
            output[i + j] = tml_requantize_fast(product, multiplier, shift, out_zp, act_min, act_max);
        }

        i += n;
    }
}

#endif
