/* Table lookup: the twin of Kernels/Lookup.cs. */
#include "tml_kernels.h"

void tml_lookup(int32_t count, const int8_t *table, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = table[input[i] + 128];
    }
}
