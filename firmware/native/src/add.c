/* Elementwise Add: the twin of Kernels/Add.cs. The term tables are built by tml_add_prepare_terms at load. */
#include "tml_kernels.h"
#include "tml_path.h"

void tml_add_prepare_terms(int32_t zero_point, int32_t multiplier, int32_t shift, int32_t *terms)
{
    int32_t v;
    for (v = 0; v < 256; v++) {
        terms[v] = tml_add_term(v - 128, zero_point, multiplier, shift);
    }
}

/* The optimised paths are in opt/add.c. */
#if TML_PATH == TML_PATH_REFERENCE

void tml_add(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             const int32_t *larger_terms, const int32_t *smaller_terms, int32_t output_multiplier,
             int32_t output_shift, int8_t *output)
{
    int32_t i;
    int32_t j = 0;
    for (i = 0; i < count; i++) {
        /* Each term is within +-255 * 2^19 (M_i <= 1/2), so the sum cannot wrap; unsigned all the same, like the other sums. */
        uint32_t sum = (uint32_t)larger_terms[larger[i] + 128] + (uint32_t)smaller_terms[smaller[j] + 128];
        output[i] = tml_requantize((int32_t)sum, output_multiplier, output_shift, quant->output_zero_point,
                                   quant->act_min, quant->act_max);
        j++;
        if (j == cycle) {
            j = 0;
        }
    }
}

#endif
