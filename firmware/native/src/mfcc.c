/* The MFCC front-end; see tml_frontends.h and Mfcc.cs, which this follows line for line. */
#include "tml_frontends.h"
#include "tml_quant_math.h"

/* Mfcc.MaxHeadroom, NoiseExponent, LogFracBits; FixedFft.MaxAbsSum. */
#define MAX_HEADROOM 24
#define NOISE_EXPONENT 43
#define LOG_FRAC_BITS 16
#define MAX_ABS_SUM ((int64_t)1 << 30)

/* The frame's block exponent: as large as sum |x| 2^h <= 2^30 and n sum x^2 2^2h < 2^62 allow (Mfcc.Headroom). */
static int32_t headroom(const tml_mfcc_config *config, const int16_t *pcm)
{
    int64_t abs = 0;
    int64_t squares = 0;
    int64_t square_limit = ((int64_t)1 << 62) >> config->log2_n;
    int32_t h = MAX_HEADROOM;
    int32_t t;
    for (t = 0; t < config->frame_length; t++) {
        int32_t x = pcm[t];
        abs += x < 0 ? -x : x;
        squares += (int64_t)x * x;
    }

    /* Left shifts in uint64_t: the C# long shift wraps where a signed one would be undefined. */
    while (h > 0 && ((int64_t)((uint64_t)abs << h) > MAX_ABS_SUM
                     || (int64_t)((uint64_t)squares << (2 * h)) >= square_limit)) {
        h--;
    }

    return h;
}

void tml_mfcc_frame(const tml_mfcc_config *config, const tml_mfcc_tables *tables, tml_mfcc_scratch *scratch,
                    tml_mfcc_state *state, const int16_t *pcm, int32_t *q)
{
    const int32_t n = tables->fft.n;
    const int32_t length = config->frame_length;
    const int32_t bands = config->mel_bands;
    const int32_t noise_shift = config->noise_shift;
    int32_t *frame = scratch->frame;
    int32_t *re = scratch->re;
    int32_t *im = scratch->im;
    int64_t *high = scratch->high;
    int64_t *low = scratch->low;
    int64_t *noise = state->noise;
    int32_t *log_mel = frame; /* the frame is free once the FFT has read it */
    int32_t h = headroom(config, pcm);
    int32_t down = 30 - h;
    int64_t round = (int64_t)1 << (down - 1);
    int32_t exponent;
    int32_t to_noise;
    int64_t floor;
    int32_t offset_q;
    int32_t row;
    int32_t t;
    int32_t b;
    int32_t k;
    int32_t j;
    for (t = 0; t < length; t++) {
        frame[t] = (int32_t)((((int64_t)pcm[t] * tables->window[t]) + round) >> down);
    }

    for (t = length; t < n; t++) {
        frame[t] = 0;
    }

    tml_fft_real(&tables->fft, frame, re, im);

    /* Power in two halves, so that sum P w (Q15) fits 64 bits without dropping the low bits of quiet bins. */
    for (b = 0; b < bands; b++) {
        high[b] = 0;
        low[b] = 0;
    }

    for (k = config->first_bin; k <= config->last_bin; k++) {
        int64_t p;
        int64_t ph;
        int64_t pl;
        int32_t w;
        j = tables->bin_edge[k];
        if (j < 0) {
            continue;
        }

        p = ((int64_t)re[k] * re[k]) + ((int64_t)im[k] * im[k]);
        ph = p >> 16;
        pl = p & 0xFFFF;
        w = tables->bin_weight[k];
        if (j < bands) {
            high[j] += ph * w;
            low[j] += pl * w;
        }

        if (j > 0) {
            high[j - 1] += ph * (32768 - w);
            low[j - 1] += pl * (32768 - w);
        }
    }

    /* Energies are float energy 2^e, e = 29 + 2h; with noise reduction every frame moves to one exponent first. */
    exponent = noise_shift > 0 ? NOISE_EXPONENT : 29 + (2 * h);
    to_noise = (29 + (2 * h)) - NOISE_EXPONENT;
    /* C# masks a long shift count to 6 bits; h >= 5 for any int16 frame, so the count is never negative here. */
    floor = (int64_t)((uint64_t)1 << ((exponent - 30) & 63));
    offset_q = exponent << LOG_FRAC_BITS;
    for (b = 0; b < bands; b++) {
        int64_t e = high[b] + (low[b] >> 16);
        if (noise_shift > 0) {
            int64_t clean;
            int64_t keep;
            e = to_noise >= 0 ? e >> to_noise : (int64_t)((uint64_t)e << (-to_noise & 63));
            if (!state->noise_started || e < noise[b]) {
                noise[b] = e;
            } else {
                noise[b] += (e - noise[b]) >> noise_shift;
            }

            /* Keep at least 1/16 of the energy. */
            clean = e - noise[b];
            keep = e >> 4;
            e = clean > keep ? clean : keep;
        }

        log_mel[b] = tml_log2_fixed(e > floor ? e : floor, LOG_FRAC_BITS) - offset_q;
    }

    state->noise_started = 1;

    row = 0;
    for (j = 0; j < config->coefficients; j++) {
        int64_t sum = 0;
        int32_t m;
        for (m = 0; m < bands; m++) {
            sum += (int64_t)log_mel[m] * tables->dct[row + m];
        }

        q[j] = (int32_t)((sum + ((int64_t)1 << 29)) >> 30);
        row += bands;
    }
}

void tml_mfcc_clip(const tml_mfcc_config *config, const tml_mfcc_tables *tables, tml_mfcc_scratch *scratch,
                   tml_mfcc_state *state, const int16_t *pcm, int8_t *output)
{
    const int32_t c = config->coefficients;
    /* The Q16 coefficients sit after the log mel energies in the frame buffer (mel bands + coefficients <= n). */
    int32_t *features = scratch->frame + config->mel_bands;
    int32_t f;
    int32_t i;
    state->noise_started = 0;
    for (f = 0; f < config->frames; f++) {
        tml_mfcc_frame(config, tables, scratch, state, pcm + (f * config->stride), features);
        for (i = 0; i < c; i++) {
            int32_t v = tml_multiply_by_quantized_multiplier(features[i], config->multiplier, config->shift)
                      + config->zero_point;
            output[(f * c) + i] = (int8_t)(v < TML_INT8_MIN ? TML_INT8_MIN : (v > TML_INT8_MAX ? TML_INT8_MAX : v));
        }
    }
}
