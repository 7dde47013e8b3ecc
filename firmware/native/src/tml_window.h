/* Where a sliding window meets its input along one axis: shared by the pooling and convolution kernels. */
#ifndef TML_WINDOW_H
#define TML_WINDOW_H

#include <stdint.h>

/*
 * The input positions [*first, *end) a window of kernel taps starting at origin (negative when it starts in the
 * padding) covers within an axis of size positions: the valid part, padding excluded.
 */
static inline void tml_window_inputs(int32_t origin, int32_t kernel, int32_t size, int32_t *first, int32_t *end)
{
    *first = origin < 0 ? 0 : origin;
    *end = origin + kernel > size ? size : origin + kernel;
}

/* The same span as kernel taps [*first, *end): the taps that fall on input, for indexing the weights. */
static inline void tml_window_taps(int32_t origin, int32_t kernel, int32_t size, int32_t *first, int32_t *end)
{
    *first = origin < 0 ? -origin : 0;
    *end = origin + kernel > size ? size - origin : kernel;
}

#endif
