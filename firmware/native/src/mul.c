/* Elementwise Mul: the twin of Kernels/Mul.cs; the multiplier comes from tml_prepare_mul. */
#include "tml_kernels.h"
#include "tml_path.h"

/* The optimised paths are in opt/mul.c. */
#if TML_PATH == TML_PATH_REFERENCE

void tml_mul(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             int32_t larger_zero_point, int32_t smaller_zero_point, int32_t multiplier, int32_t shift,
             int8_t *output)
{
    int32_t i;
    int32_t j = 0;
    for (i = 0; i < count; i++) {
        /* |x - zp| <= 255 on both sides: the product fits. */
        int32_t product = (larger[i] - larger_zero_point) * (smaller[j] - smaller_zero_point);
        output[i] = tml_requantize(product, multiplier, shift, quant->output_zero_point, quant->act_min, quant->act_max);
        j++;
        if (j == cycle) {
            j = 0;
        }
    }
}

#endif
