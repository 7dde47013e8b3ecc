/* The spectral front-end; see tml_frontends.h and Spectral.cs, which this follows line for line. */
#include "tml_frontends.h"
#include "tml_quant_math.h"

/* Spectral.FeatureFracBits. */
#define FEATURE_FRAC_BITS 24

void tml_spectral(const tml_spectral_config *config, const tml_fft *fft, const int32_t *window, const int32_t *bin_band,
                  const int32_t *multipliers, const int32_t *shifts, tml_spectral_scratch *scratch,
                  const int16_t *samples, int8_t *output)
{
    const int32_t n = fft->n;
    const int32_t channels = config->channels;
    const int32_t bands = config->bands;
    const int32_t log2_n = config->log2_n;
    const int32_t half = n / 2;
    /* Spectral._headroomShift: sum |windowed| <= 2^(16 + h) n / 2 stays below 2^30. */
    const int32_t headroom_shift = 14 - log2_n;
    const int32_t down = 30 - headroom_shift;
    const int64_t round = (int64_t)1 << (down - 1);
    /* Magnitudes are |X| 32768 2^h; the feature is |X| / n in Q24. */
    const int32_t mag_shift = log2_n + 15 + headroom_shift - FEATURE_FRAC_BITS;
    int32_t *frame = scratch->frame;
    int32_t *re = scratch->re;
    int32_t *im = scratch->im;
    int64_t *sums = scratch->sums;
    int32_t *q = scratch->features;
    int32_t c;
    int32_t i;
    for (c = 0; c < channels; c++) {
        int64_t total = 0;
        int64_t squares = 0;
        int32_t peak = 0;
        int32_t mean;
        int32_t at = c;
        int32_t o = c * (bands + 2);
        int32_t t;
        int32_t b;
        int32_t k;
        for (t = 0; t < n; t++) {
            total += samples[at];
            at += channels;
        }

        /* The mean rounded to an integer, ties up: an arithmetic shift of a possibly negative total. */
        mean = (int32_t)((total + (n >> 1)) >> log2_n);
        at = c;
        for (t = 0; t < n; t++) {
            int32_t d = samples[at] - mean;
            int32_t a = d < 0 ? -d : d;
            at += channels;
            squares += (int64_t)d * d;
            if (a > peak) {
                peak = a;
            }

            frame[t] = (int32_t)((((int64_t)d * window[t]) + round) >> down);
        }

        tml_fft_real(fft, frame, re, im);
        for (b = 0; b < bands; b++) {
            sums[b] = 0;
        }

        for (k = 1; k <= half; k++) {
            sums[bin_band[k]] += tml_sqrt_fixed(((int64_t)re[k] * re[k]) + ((int64_t)im[k] * im[k]));
        }

        for (b = 0; b < bands; b++) {
            q[o + b] = (int32_t)((sums[b] + ((int64_t)1 << (mag_shift - 1))) >> mag_shift);
        }

        /* RMS: sqrt(sum d^2 2^18 / n); |d| < 2^16, so sum d^2 2^18 < 2^60. */
        q[o + bands] = (int32_t)tml_sqrt_fixed((squares << 18) >> log2_n);
        q[o + bands + 1] = peak << (FEATURE_FRAC_BITS - 15);
    }

    i = 0;
    for (c = 0; c < channels; c++) {
        int32_t f;
        for (f = 0; f < bands + 2; f++) {
            int32_t v = tml_multiply_by_quantized_multiplier(q[i], multipliers[c], shifts[c]) + config->zero_point;
            output[i] = (int8_t)(v < TML_INT8_MIN ? TML_INT8_MIN : (v > TML_INT8_MAX ? TML_INT8_MAX : v));
            i++;
        }
    }
}
