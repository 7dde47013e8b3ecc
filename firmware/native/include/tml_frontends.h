/*
 * The signal front-ends of the TinyMLOps runtime in C99: bit-exact twins of shared/TinyMLOps.Shared/Preprocessing
 * (FixedFft.cs, FixedMath.cs, Mfcc.cs, Spectral.cs). Allocation-free, no libm: the C# front-end builds its tables
 * (Hann window, mel bin edges and weights, DCT, FFT twiddles and bit reversal) once at construction with FixedMath
 * and passes them in, with its buffers and its state, so both runtimes read the same integers.
 *
 * The arithmetic is the C# long arithmetic: int64_t products and sums, right shifts of negative values arithmetic
 * (implementation-defined before C23; gcc defines them as arithmetic on every target), narrowing conversions modular
 * (gcc's definition, as C#'s unchecked casts). Where a C# int or long may wrap, the C adds and shifts left in
 * uint32_t/uint64_t, so it wraps the same way instead of being undefined behaviour.
 */
#ifndef TML_FRONTENDS_H
#define TML_FRONTENDS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* log2(v) in Q(frac) for v >= 1 (0 below), frac in 1..24, truncating (FixedMath.Log2). */
int32_t tml_log2_fixed(int64_t v, int32_t frac);

/* floor(sqrt(v)) for v >= 0, 0 below (FixedMath.Sqrt). */
int64_t tml_sqrt_fixed(int64_t v);

/* The tables of a real FFT of n points (FixedFft): cos and sin of 2 pi k / n in Q30 and the bit reversal, each n/2. */
typedef struct {
    int32_t n;
    const int32_t *cos;
    const int32_t *sin;
    const int32_t *bit_reverse;
} tml_fft;

/*
 * X[k] = sum_t x[t] e^(-2 pi i k t / n), k = 0 .. n/2, into re and im (n/2 + 1 each, also the working buffers),
 * unscaled, each product rounded once: the caller keeps sum |x| <= 2^30.
 */
void tml_fft_real(const tml_fft *fft, const int32_t *x, int32_t *re, int32_t *im);

/*
 * An MFCC front-end's integers (Mfcc.cs), in the order of the managed call descriptor's first slots, so the
 * firmware's glue can copy that int[] field by field.
 */
typedef struct {
    int32_t frame_length;
    int32_t stride;
    int32_t frames;
    int32_t mel_bands;
    int32_t coefficients;
    int32_t first_bin;   /* the FFT bins inside (low, high) Hz */
    int32_t last_bin;
    int32_t log2_n;      /* log2 of the FFT size */
    int32_t noise_shift; /* 0: no noise reduction */
    int32_t multiplier;  /* Q16 feature to the model's int8 input (Mfcc.OutputMultiplier) */
    int32_t shift;
    int32_t zero_point;
} tml_mfcc_config;

/* The MFCC's tables, built by the C# constructor. */
typedef struct {
    tml_fft fft;
    const int32_t *window;     /* [frame_length], Q30 periodic Hann */
    const int32_t *bin_edge;   /* [n/2 + 1], the mel band of each bin, -1 outside (low, high) */
    const int32_t *bin_weight; /* [n/2 + 1], Q15 */
    const int32_t *dct;        /* [coefficients][mel_bands], Q30, ln 2 folded in */
} tml_mfcc_tables;

/* Working buffers: frame [n] (also holds the log mel energies after the FFT), re and im [n/2 + 1], high and low [mel_bands]. */
typedef struct {
    int32_t *frame;
    int32_t *re;
    int32_t *im;
    int64_t *high;
    int64_t *low;
} tml_mfcc_scratch;

/* The stream's state: the per-band noise floor [mel_bands] and whether it has started (0 after a reset). */
typedef struct {
    int64_t *noise;
    int32_t noise_started;
} tml_mfcc_state;

/* The Q16 MFCCs of one frame of frame_length samples at pcm into q[coefficients] (Mfcc.PushFrame). */
void tml_mfcc_frame(const tml_mfcc_config *config, const tml_mfcc_tables *tables, tml_mfcc_scratch *scratch,
                    tml_mfcc_state *state, const int16_t *pcm, int32_t *q);

/*
 * One clip (frame_length + (frames - 1) * stride samples) to the model's int8 input, frames x coefficients
 * (Mfcc.ProcessSamples): the noise floor restarts, and is left as the clip's last frame leaves it.
 */
void tml_mfcc_clip(const tml_mfcc_config *config, const tml_mfcc_tables *tables, tml_mfcc_scratch *scratch,
                   tml_mfcc_state *state, const int16_t *pcm, int8_t *output);

/* A spectral front-end's integers (Spectral.cs), in the order of the managed call descriptor's first slots. */
typedef struct {
    int32_t channels;
    int32_t log2_n;      /* log2 of the window (the FFT size) */
    int32_t bands;
    int32_t zero_point;
} tml_spectral_config;

/* Working buffers: frame [n], re and im [n/2 + 1], band sums [bands], features [channels * (bands + 2)]. */
typedef struct {
    int32_t *frame;
    int32_t *re;
    int32_t *im;
    int64_t *sums;
    int32_t *features;
} tml_spectral_scratch;

/*
 * One window (channels * n interleaved samples) to the model's int8 input, channels * (bands + 2) (Spectral.ProcessSamples).
 * window: [n] Q30 Hann; bin_band: [n/2 + 1], the band of bins 1..n/2; multipliers, shifts: [channels], the Q24
 * features to int8 with each channel's scale.
 */
void tml_spectral(const tml_spectral_config *config, const tml_fft *fft, const int32_t *window, const int32_t *bin_band,
                  const int32_t *multipliers, const int32_t *shifts, tml_spectral_scratch *scratch,
                  const int16_t *samples, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif
