/*
 * Counts the work of one keyword clip through tml_mfcc_clip (16 kHz, 49 frames of 640 samples every 320, FFT 1024,
 * 40 mel bands 20-4000 Hz, 10 coefficients) for instruction counters such as valgrind --tool=callgrind. Not a
 * twin of the C# tables: they are built here with libm, close enough for counting (the control flow depends on
 * the table shapes, not on their last bits). Build and count:
 *   gcc -O2 -std=c99 -Iinclude bench/mfcc_clip.c src/fixed_fft.c src/fixed_math.c src/mfcc.c src/spectral.c src/quant_math.c -lm -o /tmp/mfcc_clip
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out /tmp/mfcc_clip 10 && callgrind_annotate /tmp/cg.out
 * With a second argument it prints the tables and the clip as a C header instead (count_instructions.sh), with
 * those of one vibration window (3 axes x 512 samples, 8 log bands) for tml_spectral.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tml_frontends.h"

#define RATE 16000
#define N 1024
#define FRAME 640
#define STRIDE 320
#define FRAMES 49
#define MEL 40
#define COEF 10
#define BINS (N / 2 + 1)
#define CLIP (FRAME + (FRAMES - 1) * STRIDE)
#define SN 512

static const double PI = 3.14159265358979323846;

int main(int argc, char **argv)
{
    static int32_t cosine[N / 2], sine[N / 2], rev[N / 2], window[FRAME], edge[BINS], weight[BINS], dct[COEF * MEL];
    static int32_t frame[N], re[BINS], im[BINS];
    static int64_t high[MEL], low[MEL], noise[MEL];
    static int16_t pcm[CLIP];
    static int8_t out[FRAMES * COEF];
    int clips = argc > 1 ? atoi(argv[1]) : 1;
    int i, k, j, bits = 0, first = -1, last = -2, sum = 0;
    uint32_t check = 0;
    double lo = log2(700.0 + 20), hi = log2(700.0 + 4000);
    tml_mfcc_config config = { FRAME, STRIDE, FRAMES, MEL, COEF, 0, 0, 10, 0, 1 << 30, -8, 0 };
    tml_mfcc_tables tables;
    tml_mfcc_scratch scratch = { frame, re, im, high, low };
    tml_mfcc_state state = { noise, 0 };
    while ((1 << bits) < N / 2) {
        bits++;
    }

    for (i = 0; i < N / 2; i++) {
        int r = 0;
        cosine[i] = (int32_t)lround(cos(2 * PI * i / N) * (1 << 30));
        sine[i] = (int32_t)lround(sin(2 * PI * i / N) * (1 << 30));
        for (k = 0; k < bits; k++) {
            r |= ((i >> k) & 1) << (bits - 1 - k);
        }

        rev[i] = r;
    }

    for (i = 0; i < FRAME; i++) {
        window[i] = (int32_t)lround((0.5 - 0.5 * cos(2 * PI * i / FRAME)) * (1 << 30));
    }

    for (k = 0; k < BINS; k++) {
        double f = (double)k * RATE / N, lambda, position;
        edge[k] = -1;
        if (f <= 20 || f >= 4000) {
            continue;
        }

        lambda = log2(700.0 + f);
        position = (lambda - lo) / (hi - lo) * (MEL + 1);
        j = (int)position;
        edge[k] = j > MEL ? MEL : j;
        weight[k] = (int32_t)lround((position - j) * 32768);
        first = first < 0 ? k : first;
        last = k;
    }

    for (j = 0; j < COEF; j++) {
        for (i = 0; i < MEL; i++) {
            dct[j * MEL + i] = (int32_t)lround(sqrt((j == 0 ? 1.0 : 2.0) / MEL) * log(2.0) * cos(PI * j * (2 * i + 1) / (2 * MEL)) * (1 << 30));
        }
    }

    config.first_bin = first;
    config.last_bin = last;
    tables.fft.n = N;
    tables.fft.cos = cosine;
    tables.fft.sin = sine;
    tables.fft.bit_reverse = rev;
    tables.window = window;
    tables.bin_edge = edge;
    tables.bin_weight = weight;
    tables.dct = dct;
    srand(9);
    for (i = 0; i < CLIP; i++) {
        pcm[i] = (int16_t)(10000 * sin(2 * PI * 440 * i / RATE) + (rand() % 2001) - 1000);
    }

    if (argc > 2) {
        /* --emit: the tables and the clip as a C header for the bare-metal counter (bench/count_instructions.sh). */
        printf("static const int32_t first_bin = %d, last_bin = %d;\n", first, last);
#define EMIT(type, name, count) do { printf("static const " type " %s[%d] = {", #name, count); for (k = 0; k < (count); k++) printf("%d,", (int)name[k]); printf("};\n"); } while (0)
        EMIT("int32_t", cosine, N / 2);
        EMIT("int32_t", sine, N / 2);
        EMIT("int32_t", rev, N / 2);
        EMIT("int32_t", window, FRAME);
        EMIT("int32_t", edge, BINS);
        EMIT("int32_t", weight, BINS);
        EMIT("int32_t", dct, COEF * MEL);
        EMIT("int16_t", pcm, CLIP);
        tml_mfcc_clip(&config, &tables, &scratch, &state, pcm, out);
        for (k = 0; k < FRAMES * COEF; k++) {
            check = (check * 31u) + (uint32_t)out[k];
        }

        printf("static const uint32_t expected_checksum = %uu;\n", check);

        /* The vibration window: 3 axes x 512 samples, 8 log bands (Spectral.cs), one multiplier for every channel. */
        {
            static int32_t s_cos[SN / 2], s_sin[SN / 2], s_rev[SN / 2], s_window[SN], s_band[SN / 2 + 1], s_frame[SN];
            static int32_t s_re[SN / 2 + 1], s_im[SN / 2 + 1], s_features[3 * 10];
            static const int32_t s_multipliers[3] = { 1 << 30, 1 << 30, 1 << 30 }, s_shifts[3] = { -12, -12, -12 };
            static int64_t s_sums[8];
            static int16_t s_samples[3 * SN];
            static int8_t s_out[3 * 10];
            tml_spectral_config s_config = { 3, 9, 8, -100 };
            tml_fft s_fft = { SN, s_cos, s_sin, s_rev };
            tml_spectral_scratch s_scratch = { s_frame, s_re, s_im, s_sums, s_features };
            for (i = 0; i < SN / 2; i++) {
                int r = 0;
                s_cos[i] = (int32_t)lround(cos(2 * PI * i / SN) * (1 << 30));
                s_sin[i] = (int32_t)lround(sin(2 * PI * i / SN) * (1 << 30));
                for (k = 0; k < 8; k++) {
                    r |= ((i >> k) & 1) << (7 - k);
                }

                s_rev[i] = r;
            }

            for (i = 0; i < SN; i++) {
                s_window[i] = (int32_t)lround((0.5 - 0.5 * cos(2 * PI * i / SN)) * (1 << 30));
            }

            for (k = 1; k <= SN / 2; k++) {
                j = (int)(8 * log2((double)k) / 8.0);
                s_band[k] = j > 7 ? 7 : j;
            }

            for (i = 0; i < 3 * SN; i++) {
                s_samples[i] = (int16_t)(4000 * sin(2 * PI * (i % 3 + 1) * 37 * (i / 3) / SN) + (rand() % 801) - 400 + 100 * (i % 3));
            }

            EMIT("int32_t", s_cos, SN / 2);
            EMIT("int32_t", s_sin, SN / 2);
            EMIT("int32_t", s_rev, SN / 2);
            EMIT("int32_t", s_window, SN);
            EMIT("int32_t", s_band, SN / 2 + 1);
            EMIT("int16_t", s_samples, 3 * SN);
            tml_spectral(&s_config, &s_fft, s_window, s_band, s_multipliers, s_shifts, &s_scratch, s_samples, s_out);
            check = 0;
            for (k = 0; k < 30; k++) {
                check = (check * 31u) + (uint32_t)s_out[k];
            }

            printf("static const uint32_t spectral_checksum = %uu;\n", check);
        }

        return 0;
    }

    for (i = 0; i < clips; i++) {
        tml_mfcc_clip(&config, &tables, &scratch, &state, pcm, out);
        sum += out[i % (FRAMES * COEF)];
    }

    printf("%d clips, checksum %d\n", clips, sum);
    return 0;
}
