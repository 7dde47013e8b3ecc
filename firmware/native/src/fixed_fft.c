/* The real FFT of the front-ends; see tml_frontends.h and FixedFft.cs, which this follows line for line. */
#include "tml_frontends.h"

/* a + b and a - b as the C# int does them: wrapping (never reached under the caller's bound, but never undefined). */
static int32_t add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t sub_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

void tml_fft_real(const tml_fft *fft, const int32_t *x, int32_t *re, int32_t *im)
{
    const int32_t n = fft->n;
    const int32_t m = n / 2;
    const int32_t *cos = fft->cos;
    const int32_t *sin = fft->sin;
    const int32_t *rev = fft->bit_reverse;
    const int64_t round = (int64_t)1 << 29;
    int32_t i;
    int32_t size;
    int32_t k;
    int32_t z0r;
    int32_t z0i;
    for (i = 0; i < m; i++) {
        int32_t j = rev[i];
        re[j] = x[2 * i];
        im[j] = x[(2 * i) + 1];
    }

    /* Radix-2 decimation in time: W = cos - i sin of 2 pi j / size. */
    for (size = 2; size <= m; size <<= 1) {
        int32_t span = size >> 1;
        int32_t step = n / size;
        int32_t j;
        for (j = 0; j < span; j++) {
            int64_t c = cos[j * step];
            int64_t s = sin[j * step];
            int32_t a;
            for (a = j; a < m; a += size) {
                int32_t b = a + span;
                int64_t br = re[b];
                int64_t bi = im[b];
                int32_t tr = (int32_t)(((br * c) + (bi * s) + round) >> 30);
                int32_t ti = (int32_t)(((bi * c) - (br * s) + round) >> 30);
                int32_t ar = re[a];
                int32_t ai = im[a];
                re[a] = add_wrap(ar, tr);
                im[a] = add_wrap(ai, ti);
                re[b] = sub_wrap(ar, tr);
                im[b] = sub_wrap(ai, ti);
            }
        }
    }

    /* Split: Z = E + iO, X[k] = E[k] + W^k O[k]. */
    z0r = re[0];
    z0i = im[0];
    re[0] = add_wrap(z0r, z0i);
    im[0] = 0;
    re[m] = sub_wrap(z0r, z0i);
    im[m] = 0;
    for (k = 1; k <= m / 2; k++) {
        int32_t q = m - k;
        int64_t ar = (int64_t)re[k] + re[q];
        int64_t ai = (int64_t)im[k] - im[q];
        int64_t dr = (int64_t)re[k] - re[q];
        int64_t di = (int64_t)im[k] + im[q];
        int64_t c = cos[k];
        int64_t s = sin[k];
        int64_t u = ((di * c) - (dr * s) + round) >> 30;
        int64_t v = ((-dr * c) - (di * s) + round) >> 30;
        re[k] = (int32_t)((ar + u + 1) >> 1);
        im[k] = (int32_t)((ai + v + 1) >> 1);
        re[q] = (int32_t)((ar - u + 1) >> 1);
        im[q] = (int32_t)((-ai + v + 1) >> 1);
    }
}
