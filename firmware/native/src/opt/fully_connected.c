/*
 * Fully connected, optimised paths (tml_path.h): TML_DOT_ROWS units share each load of the input. Bit-exact with
 * the reference in ../fully_connected.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"

#if TML_PATH != TML_PATH_REFERENCE

void tml_fully_connected(const tml_quant *quant, int32_t inputs, int32_t units,
                         const int8_t *input, const int8_t *weights, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int8_t *output)
{
    int32_t in_zp = quant->input_zero_point;
    uint32_t acc[TML_DOT_ROWS];
    int32_t o;
    int32_t r;
    for (o = 0; o + TML_DOT_ROWS <= units; o += TML_DOT_ROWS) {
        for (r = 0; r < TML_DOT_ROWS; r++) {
            acc[r] = (uint32_t)bias[o + r];
        }

        tml_dot_rows(input, weights + (o * inputs), inputs, inputs, in_zp, acc);
        for (r = 0; r < TML_DOT_ROWS; r++) {
            output[o + r] = tml_requantize_fast((int32_t)acc[r], multipliers[o + r], shifts[o + r],
                                           quant->output_zero_point, quant->act_min, quant->act_max);
        }
    }

    for (; o < units; o++) {
        uint32_t sum = tml_dot(input, weights + (o * inputs), inputs, in_zp, (uint32_t)bias[o]);
        output[o] = tml_requantize_fast((int32_t)sum, multipliers[o], shifts[o], quant->output_zero_point,
                                   quant->act_min, quant->act_max);
    }
}

#endif
