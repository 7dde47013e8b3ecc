/*
 * The plain C reference of `tinymlops bench nanoclr` (docs/benchmarks.md, "The interpreter's real cost"): the three
 * int8 kernel shapes of firmware/TinyMLOps.Firmware.Bench/BenchSuite.cs as plain loops with the same integer
 * arithmetic as the shared C# kernels (int32 accumulator of int8 products, per-channel requantization with a Q31
 * multiplier, clamp), in the style of TFLM's reference kernels: no SIMD, no unrolling, bounds checks per tap.
 * Built by the benchmark with gcc -O2 -fno-tree-vectorize (scalar, as on a core without SIMD).
 * Usage: int8_kernels BUDGET_TICKS. Prints bench,NAME,MACS,ITERATIONS,TICKS,CHECK lines (TICKS in 100 ns).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint32_t seed = 12345u;

static uint32_t next(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed;
}

static void fill(int8_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        b[i] = (int8_t)(next() >> 24);
        if (b[i] == -128) {
            b[i] = -127;
        }
    }
}

static int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1ll << 31));
}

static int32_t rounding_divide_by_pot(int32_t x, int exponent)
{
    int32_t mask = (int32_t)((1ll << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t requantize(int32_t acc, int32_t multiplier, int shift, int32_t zp)
{
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    int32_t q = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(acc * (1 << left), multiplier), right) + zp;
    return q < -128 ? -128 : (q > 127 ? 127 : q);
}

typedef struct {
    int h, w, in_c, out_c;
    int8_t *in, *weights, *out;
    int32_t *bias, *mult;
    int *shift;
} layer;

static void setup(layer *l, int h, int w, int in_c, int out_c, int weights, int in_elems, int out_elems)
{
    l->h = h;
    l->w = w;
    l->in_c = in_c;
    l->out_c = out_c;
    l->in = malloc(in_elems);
    l->weights = malloc(weights);
    l->out = malloc(out_elems);
    l->bias = malloc(sizeof(int32_t) * out_c);
    l->mult = malloc(sizeof(int32_t) * out_c);
    l->shift = malloc(sizeof(int) * out_c);
    fill(l->in, in_elems);
    fill(l->weights, weights);
    for (int i = 0; i < out_c; i++) {
        l->bias[i] = (int32_t)(next() % 4000) - 2000;
        l->mult[i] = (int32_t)(0x40000000u + (next() >> 2));
        l->shift[i] = -8;
    }
}

/* out[o] = requant(bias[o] + sum (in[i] - zp) * w[o][i]) */
static void fully_connected(const layer *l, int32_t in_zp, int32_t out_zp)
{
    for (int o = 0; o < l->out_c; o++) {
        int32_t acc = l->bias[o];
        const int8_t *w = l->weights + o * l->in_c;
        for (int i = 0; i < l->in_c; i++) {
            acc += (l->in[i] - in_zp) * w[i];
        }
        l->out[o] = (int8_t)requantize(acc, l->mult[o], l->shift[o], out_zp);
    }
}

/* 3x3, stride 1, same padding, HWC input, OHWI weights. */
static void conv2d(const layer *l, int32_t in_zp, int32_t out_zp)
{
    int index = 0;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            for (int oc = 0; oc < l->out_c; oc++) {
                int32_t acc = l->bias[oc];
                for (int ky = 0; ky < 3; ky++) {
                    int iy = oy - 1 + ky;
                    if (iy < 0 || iy >= l->h) {
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = ox - 1 + kx;
                        if (ix < 0 || ix >= l->w) {
                            continue;
                        }
                        const int8_t *x = l->in + (iy * l->w + ix) * l->in_c;
                        const int8_t *w = l->weights + ((oc * 3 + ky) * 3 + kx) * l->in_c;
                        for (int ic = 0; ic < l->in_c; ic++) {
                            acc += (x[ic] - in_zp) * w[ic];
                        }
                    }
                }
                l->out[index++] = (int8_t)requantize(acc, l->mult[oc], l->shift[oc], out_zp);
            }
        }
    }
}

/* 3x3, stride 1, same padding, depth multiplier 1, weights [ky][kx][c]. */
static void depthwise(const layer *l, int32_t in_zp, int32_t out_zp)
{
    int index = 0;
    int c = l->in_c;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            for (int oc = 0; oc < c; oc++) {
                int32_t acc = l->bias[oc];
                for (int ky = 0; ky < 3; ky++) {
                    int iy = oy - 1 + ky;
                    if (iy < 0 || iy >= l->h) {
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = ox - 1 + kx;
                        if (ix < 0 || ix >= l->w) {
                            continue;
                        }
                        acc += (l->in[(iy * l->w + ix) * c + oc] - in_zp) * l->weights[(ky * 3 + kx) * c + oc];
                    }
                }
                l->out[index++] = (int8_t)requantize(acc, l->mult[oc], l->shift[oc], out_zp);
            }
        }
    }
}

static int64_t now_ticks(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 10000000 + t.tv_nsec / 100;
}

typedef void (*kernel)(const layer *, int32_t, int32_t);

static void measure(const char *name, kernel k, layer *l, long long macs, int out_elems, int64_t budget)
{
    /* A varying zero point each run, so that no run can be folded into another. */
    int32_t zp = -128;
    k(l, zp, -10);
    /* Ten rounds of a tenth of the budget; the fastest round counts, as in BenchSuite. */
    int best_iterations = 0;
    int64_t best_ticks = 0;
    for (int round = 0; round < 10; round++) {
        int iterations = 0;
        int64_t start = now_ticks();
        int64_t elapsed;
        do {
            k(l, zp + (iterations & 7), -10);
            iterations++;
            elapsed = now_ticks() - start;
        } while (elapsed < budget / 10);
        if (best_iterations == 0 || elapsed * best_iterations < best_ticks * iterations) {
            best_iterations = iterations;
            best_ticks = elapsed;
        }
    }
    int check = 0;
    for (int i = 0; i < out_elems; i++) {
        check += l->out[i];
    }
    printf("bench,%s,%lld,%d,%lld,%d\n", name, macs, best_iterations, (long long)best_ticks, check);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int64_t budget = argc > 1 ? atoll(argv[1]) : 10000000;
    layer fc, conv, dw;
    setup(&fc, 1, 1, 784, 128, 784 * 128, 784, 128);
    setup(&conv, 14, 14, 16, 32, 32 * 9 * 16, 14 * 14 * 16, 14 * 14 * 32);
    setup(&dw, 14, 14, 32, 32, 9 * 32, 14 * 14 * 32, 14 * 14 * 32);
    printf("bench-start,items=3,budget-ticks=%lld\n", (long long)budget);
    measure("FullyConnected 784x128", fully_connected, &fc, 784LL * 128, 128, budget);
    measure("Conv2D 14x14x16 3x3 -> 32", conv2d, &conv, 14LL * 14 * 32 * 9 * 16, 14 * 14 * 32, budget);
    measure("DepthwiseConv2D 14x14x32 3x3", depthwise, &dw, 14LL * 14 * 32 * 9, 14 * 14 * 32, budget);
    printf("bench-end\n");
    return 0;
}
