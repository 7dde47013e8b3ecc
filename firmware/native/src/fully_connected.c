/* Fully connected: the twin of Kernels/FullyConnected.cs (reference path: no folding, no unrolling). */
#include "tml_kernels.h"
#include "tml_path.h"

/* The optimised paths are in opt/fully_connected.c. */
#if TML_PATH == TML_PATH_REFERENCE

void tml_fully_connected(const tml_quant *quant, int32_t inputs, int32_t units,
                         const int8_t *input, const int8_t *weights, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int8_t *output)
{
    int32_t o;
    int32_t i;
    int32_t in_zp = quant->input_zero_point;
    for (o = 0; o < units; o++) {
        const int8_t *w = weights + (o * inputs);
        uint32_t acc = (uint32_t)bias[o];
        for (i = 0; i < inputs; i++) {
            acc += (uint32_t)((input[i] - in_zp) * w[i]);
        }

        output[o] = tml_requantize((int32_t)acc, multipliers[o], shifts[o], quant->output_zero_point,
                                   quant->act_min, quant->act_max);
    }
}

#endif
