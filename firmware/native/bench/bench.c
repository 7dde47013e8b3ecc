/*
 * The bare-metal kernel benchmark: one image holds the reference kernels that have an optimised path (renamed
 * ref_*, see ref_names.h)
 * and the path the build selects (tml_path.h). It
 *   1. checks the counter on a loop of known instruction count,
 *   2. runs both paths on random layers and counts the layers whose bytes differ (the exit status),
 *   3. counts the instructions of one call of every kernel on representative shapes.
 * Output lines (parsed by run.sh):
 *   calibrate <n> <measured instructions x scale> <scale>
 *   check <kernel> <layers> <mismatches>
 *   kernel <name> <work> <reference count> <optimised count> <scale>   (work: MACs, or elements)
 * With "check only" builds (-DBENCH_CHECK_ONLY) step 3 is left out.
 */
#include <stdint.h>
#include "tml_kernels.h"
#include "bench.h"
#include "ref_kernels.h"

#ifndef BENCH_CHECK_LAYERS
#define BENCH_CHECK_LAYERS 400
#endif

#ifndef BENCH_TARGET
#define BENCH_TARGET "unknown"
#endif

const char bench_target[] = BENCH_TARGET;

#define BUF 16384
#define CHANNELS 64

static int8_t in_a[BUF];
static int8_t weights[BUF];
static int8_t out_ref[BUF];
static int8_t out_opt[BUF];
static int32_t bias[CHANNELS];
static int32_t multipliers[CHANNELS];
static int32_t shifts[CHANNELS];
static int32_t terms[512];

static uint32_t rng_state = 2463534242u;

static uint32_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Uniform in [lo, hi]. */
static int32_t range(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1));
}

static void fill(int8_t *p, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        p[i] = (int8_t)next();
    }
}

static void write_int(uint64_t v)
{
    char text[24];
    int i = 23;
    text[i] = 0;
    do {
        text[--i] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    bench_write(text + i);
}

static void write_fields(const char *a, const char *b)
{
    bench_write(a);
    bench_write(" ");
    bench_write(b);
}

/* A layer's random quantization: zero points, a clamp range, per-channel multipliers and shifts giving outputs
 * across the int8 range, biases of +-2^14 or, one layer in ten, near the int32 limits so that sums wrap. */
static tml_quant random_layer(int32_t channels)
{
    tml_quant q;
    int32_t a = range(-128, 127);
    int32_t b = range(-128, 127);
    int32_t c;
    int huge = range(0, 9) == 0;
    q.input_zero_point = range(-128, 127);
    q.output_zero_point = range(-128, 127);
    q.act_min = a < b ? a : b;
    q.act_max = a < b ? b : a;
    for (c = 0; c < channels; c++) {
        multipliers[c] = (int32_t)((1u << 30) + (next() >> 2));
        shifts[c] = range(-14, -4);
        bias[c] = huge ? (range(0, 1) ? INT32_MAX - range(0, 1 << 16) : INT32_MIN + range(0, 1 << 16)) : range(-16384, 16384);
    }

    return q;
}

static int differs(int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (out_ref[i] != out_opt[i]) {
            return 1;
        }
    }

    return 0;
}

static void report_check(const char *kernel, int32_t layers, int32_t mismatches)
{
    write_fields("check", kernel);
    bench_write(" ");
    write_int((uint64_t)layers);
    bench_write(" ");
    write_int((uint64_t)mismatches);
    bench_write("\n");
}

static tml_window random_window(int32_t *in_h, int32_t *in_w)
{
    tml_window w;
    for (;;) {
        int three = range(0, 2) == 0;
        w.kernel_h = three ? 3 : range(1, 5);
        w.kernel_w = three ? 3 : range(1, 5);
        w.stride_h = range(1, 3);
        w.stride_w = range(1, 3);
        w.pad_top = range(0, w.kernel_h - 1);
        w.pad_bottom = range(0, w.kernel_h - 1);
        w.pad_left = range(0, w.kernel_w - 1);
        w.pad_right = range(0, w.kernel_w - 1);
        *in_h = range(1, 10);
        *in_w = range(1, 10);
        if (*in_h + w.pad_top + w.pad_bottom >= w.kernel_h && *in_w + w.pad_left + w.pad_right >= w.kernel_w) {
            return w;
        }
    }
}

static tml_shape output_shape(const tml_window *w, int32_t in_h, int32_t in_w, int32_t c)
{
    tml_shape s;
    s.h = ((in_h + w->pad_top + w->pad_bottom - w->kernel_h) / w->stride_h) + 1;
    s.w = ((in_w + w->pad_left + w->pad_right - w->kernel_w) / w->stride_w) + 1;
    s.c = c;
    return s;
}

static int32_t check(void)
{
    int32_t total = 0;
    int32_t bad = 0;
    int32_t n;
    for (n = 0; n < BENCH_CHECK_LAYERS; n++) {
        int32_t inputs = range(0, 3) == 0 ? range(1, 8) : range(1, 300);
        int32_t units = range(1, 33);
        tml_quant q = random_layer(units);
        fill(in_a, inputs);
        fill(weights, inputs * units);
        ref_fully_connected(&q, inputs, units, in_a, weights, bias, multipliers, shifts, out_ref);
        tml_fully_connected(&q, inputs, units, in_a, weights, bias, multipliers, shifts, out_opt);
        bad += differs(units);
    }

    report_check("fully_connected", BENCH_CHECK_LAYERS, bad);
    total += bad;
    bad = 0;
    for (n = 0; n < BENCH_CHECK_LAYERS; n++) {
        int32_t in_h;
        int32_t in_w;
        tml_window w = random_window(&in_h, &in_w);
        int32_t in_c = range(0, 3) == 0 ? 8 * range(1, 2) : range(1, 6);
        int32_t out_c = range(1, 8);
        tml_shape in_s = { in_h, in_w, in_c };
        tml_shape out_s = output_shape(&w, in_h, in_w, out_c);
        tml_quant q = random_layer(out_c);
        fill(in_a, in_h * in_w * in_c);
        fill(weights, out_c * w.kernel_h * w.kernel_w * in_c);
        ref_conv2d(&q, &in_s, &out_s, &w, in_a, weights, bias, multipliers, shifts, out_ref);
        tml_conv2d(&q, &in_s, &out_s, &w, in_a, weights, bias, multipliers, shifts, out_opt);
        bad += differs(out_s.h * out_s.w * out_c);
    }

    report_check("conv2d", BENCH_CHECK_LAYERS, bad);
    total += bad;
    bad = 0;
    for (n = 0; n < BENCH_CHECK_LAYERS; n++) {
        int32_t in_h;
        int32_t in_w;
        tml_window w = random_window(&in_h, &in_w);
        int32_t in_c = range(1, 12);
        int32_t m = range(0, 2) == 0 ? range(2, 3) : 1;
        tml_shape in_s = { in_h, in_w, in_c };
        tml_shape out_s = output_shape(&w, in_h, in_w, in_c * m);
        tml_quant q = random_layer(in_c * m);
        fill(in_a, in_h * in_w * in_c);
        fill(weights, w.kernel_h * w.kernel_w * in_c * m);
        ref_depthwise_conv2d(&q, &in_s, &out_s, &w, m, in_a, weights, bias, multipliers, shifts, out_ref);
        tml_depthwise_conv2d(&q, &in_s, &out_s, &w, m, in_a, weights, bias, multipliers, shifts, out_opt);
        bad += differs(out_s.h * out_s.w * out_s.c);
    }

    report_check("depthwise_conv2d", BENCH_CHECK_LAYERS, bad);
    total += bad;
    bad = 0;
    for (n = 0; n < BENCH_CHECK_LAYERS; n++) {
        /* Add and Mul over 1..512 elements, the smaller input equal, per channel or a scalar; term tables and
         * multipliers as tml_prepare_add and tml_prepare_mul give them for scales within 2^+-5 (shifts 33..62
         * and the full multiply both occur). */
        int32_t c = range(1, 16);
        int32_t count = c * range(1, 32);
        int32_t kind = range(0, 2);
        int32_t cycle = kind == 0 ? count : (kind == 1 ? c : 1);
        int32_t multiplier = (int32_t)((1u << 30) + (next() >> 2));
        int32_t shift = range(-24, 1);
        int32_t v;
        tml_quant q = random_layer(0);
        fill(in_a, count);
        fill(in_a + 1024, cycle);
        for (v = 0; v < 256; v++) {
            terms[v] = tml_add_term(v - 128, q.input_zero_point, (int32_t)((1u << 30) + (next() >> 2)), range(-1, 0));
            terms[256 + v] = tml_add_term(v - 128, q.output_zero_point, (int32_t)((1u << 30) + (next() >> 2)), range(-6, 0));
        }

        if (n % 2 == 0) {
            ref_add(&q, count, cycle, in_a, in_a + 1024, terms, terms + 256, multiplier, shift, out_ref);
            tml_add(&q, count, cycle, in_a, in_a + 1024, terms, terms + 256, multiplier, shift, out_opt);
        } else {
            int32_t zp = range(-128, 127);
            ref_mul(&q, count, cycle, in_a, in_a + 1024, q.input_zero_point, zp, multiplier, shift, out_ref);
            tml_mul(&q, count, cycle, in_a, in_a + 1024, q.input_zero_point, zp, multiplier, shift, out_opt);
        }

        bad += differs(count);
    }

    report_check("add_mul", BENCH_CHECK_LAYERS, bad);
    total += bad;
    bad = 0;
    for (n = 0; n < BENCH_CHECK_LAYERS; n++) {
        int32_t in_h;
        int32_t in_w;
        tml_window w = random_window(&in_h, &in_w);
        int32_t c = range(1, 12);
        tml_shape in_s = { in_h, in_w, c };
        tml_shape out_s = output_shape(&w, in_h, in_w, c);
        tml_quant q = random_layer(0);
        fill(in_a, in_h * in_w * c);
        if (n % 2 == 0) {
            ref_average_pool2d(&q, &in_s, &out_s, &w, in_a, out_ref);
            tml_average_pool2d(&q, &in_s, &out_s, &w, in_a, out_opt);
        } else {
            ref_max_pool2d(&q, &in_s, &out_s, &w, in_a, out_ref);
            tml_max_pool2d(&q, &in_s, &out_s, &w, in_a, out_opt);
        }

        bad += differs(out_s.h * out_s.w * c);
    }

    report_check("pools", BENCH_CHECK_LAYERS, bad);
    return total + bad;
}

#ifndef BENCH_CHECK_ONLY

static int8_t in_b[BUF];
static int32_t terms_a[256];
static int32_t terms_b[256];
static int32_t exp_table[256];
static int32_t sums[CHANNELS];
static int8_t table[256];
static uint64_t overhead;

static void report(const char *name, uint64_t work, uint64_t reference, uint64_t optimised)
{
    write_fields("kernel", name);
    bench_write(" ");
    write_int(work);
    bench_write(" ");
    write_int(reference - overhead);
    bench_write(" ");
    write_int(optimised - overhead);
    bench_write(" ");
    write_int(bench_count_scale);
    bench_write("\n");
}

/* The MACs a convolution really does: valid taps only (padded taps are skipped). */
static uint64_t conv_macs(const tml_shape *in, const tml_shape *out, const tml_window *w, int32_t per_tap)
{
    uint64_t macs = 0;
    int32_t oy;
    int32_t ox;
    int32_t ky;
    int32_t kx;
    for (oy = 0; oy < out->h; oy++) {
        for (ox = 0; ox < out->w; ox++) {
            for (ky = 0; ky < w->kernel_h; ky++) {
                for (kx = 0; kx < w->kernel_w; kx++) {
                    int32_t iy = (oy * w->stride_h) - w->pad_top + ky;
                    int32_t ix = (ox * w->stride_w) - w->pad_left + kx;
                    macs += iy >= 0 && iy < in->h && ix >= 0 && ix < in->w ? (uint64_t)per_tap : 0;
                }
            }
        }
    }

    return macs;
}

#define COUNT(var, call) do { uint64_t t0_ = bench_count(); call; var = bench_count() - t0_; } while (0)

static void fc(const char *name, int32_t inputs, int32_t units)
{
    tml_quant q = random_layer(units);
    uint64_t r;
    uint64_t o;
    fill(in_a, inputs);
    fill(weights, inputs * units);
    COUNT(r, ref_fully_connected(&q, inputs, units, in_a, weights, bias, multipliers, shifts, out_ref));
    COUNT(o, tml_fully_connected(&q, inputs, units, in_a, weights, bias, multipliers, shifts, out_opt));
    report(name, (uint64_t)inputs * units, r, o);
}

static void conv(const char *name, int32_t hw, int32_t in_c, int32_t out_c, int32_t k, int32_t stride, int32_t pad)
{
    tml_window w = { k, k, stride, stride, pad, pad, pad, pad };
    tml_shape in_s = { hw, hw, in_c };
    tml_shape out_s = output_shape(&w, hw, hw, out_c);
    tml_quant q = random_layer(out_c);
    uint64_t r;
    uint64_t o;
    fill(in_a, hw * hw * in_c);
    fill(weights, out_c * k * k * in_c);
    COUNT(r, ref_conv2d(&q, &in_s, &out_s, &w, in_a, weights, bias, multipliers, shifts, out_ref));
    COUNT(o, tml_conv2d(&q, &in_s, &out_s, &w, in_a, weights, bias, multipliers, shifts, out_opt));
    report(name, conv_macs(&in_s, &out_s, &w, in_c * out_c), r, o);
}

static void depthwise(const char *name, int32_t hw, int32_t c, int32_t k, int32_t stride, int32_t pad)
{
    tml_window w = { k, k, stride, stride, pad, pad, pad, pad };
    tml_shape in_s = { hw, hw, c };
    tml_shape out_s = output_shape(&w, hw, hw, c);
    tml_quant q = random_layer(c);
    uint64_t r;
    uint64_t o;
    fill(in_a, hw * hw * c);
    fill(weights, k * k * c);
    COUNT(r, ref_depthwise_conv2d(&q, &in_s, &out_s, &w, 1, in_a, weights, bias, multipliers, shifts, out_ref));
    COUNT(o, tml_depthwise_conv2d(&q, &in_s, &out_s, &w, 1, in_a, weights, bias, multipliers, shifts, out_opt));
    report(name, conv_macs(&in_s, &out_s, &w, c), r, o);
}

/* The other kernels; those without an optimised path have one count, reported in both columns. */
static void others(void)
{
    tml_quant q = random_layer(0);
    tml_window pool = { 2, 2, 2, 2, 0, 0, 0, 0 };
    tml_shape s16 = { 16, 16, 32 };
    tml_shape s8 = { 8, 8, 32 };
    tml_shape m_in = { 8, 8, 64 };
    tml_shape pad_in = { 16, 16, 16 };
    tml_shape halves[2] = { { 8, 8, 16 }, { 8, 8, 16 } };
    tml_shape joined = { 8, 8, 32 };
    const int8_t *inputs[2];
    const int8_t *tables[2];
    uint64_t t;
    uint64_t o;
    int32_t v;
    fill(in_a, BUF);
    fill(in_b, BUF);
    for (v = 0; v < 256; v++) {
        terms_a[v] = (v - 128) * 3000;
        terms_b[v] = (v - 128) * 2000;
        exp_table[v] = (int32_t)((1u << 20) >> (v / 16));
        table[v] = (int8_t)(v ^ 0x5a);
    }

    COUNT(t, ref_average_pool2d(&q, &s16, &s8, &pool, in_a, out_ref));
    COUNT(o, tml_average_pool2d(&q, &s16, &s8, &pool, in_a, out_opt));
    report("average_pool2d 2x2/2 16x16x32", 8 * 8 * 32, t, o);
    COUNT(t, ref_max_pool2d(&q, &s16, &s8, &pool, in_a, out_ref));
    COUNT(o, tml_max_pool2d(&q, &s16, &s8, &pool, in_a, out_opt));
    report("max_pool2d 2x2/2 16x16x32", 8 * 8 * 32, t, o);
    COUNT(t, ref_add(&q, 16 * 16 * 32, 16 * 16 * 32, in_a, in_b, terms_a, terms_b, 1 << 30, -10, out_ref));
    COUNT(o, tml_add(&q, 16 * 16 * 32, 16 * 16 * 32, in_a, in_b, terms_a, terms_b, 1 << 30, -10, out_opt));
    report("add 16x16x32", 16 * 16 * 32, t, o);
    COUNT(t, ref_mul(&q, 16 * 16 * 32, 16 * 16 * 32, in_a, in_b, 3, -7, 1 << 30, -12, out_ref));
    COUNT(o, tml_mul(&q, 16 * 16 * 32, 16 * 16 * 32, in_a, in_b, 3, -7, 1 << 30, -12, out_opt));
    report("mul 16x16x32", 16 * 16 * 32, t, o);
    COUNT(t, tml_softmax(1, 10, exp_table, in_a, out_ref));
    report("softmax 10", 10, t, t);
    COUNT(t, tml_softmax(1, 100, exp_table, in_a, out_ref));
    report("softmax 100", 100, t, t);
    COUNT(t, tml_mean(&q, &m_in, 1 << 30, -6, in_a, sums, out_ref));
    report("mean 8x8x64", 8 * 8 * 64, t, t);
    COUNT(t, tml_pad(&pad_in, 1, 1, 1, 1, 5, in_a, out_ref));
    report("pad 16x16x16 +1", 18 * 18 * 16, t, t);
    inputs[0] = in_a;
    inputs[1] = in_b;
    tables[0] = 0;
    tables[1] = table;
    COUNT(t, tml_concat(2, 2, halves, inputs, tables, &joined, out_ref));
    report("concat 2x 8x8x16 on C", 8 * 8 * 32, t, t);
    COUNT(t, tml_lookup(4096, table, in_a, out_ref));
    report("lookup 4096", 4096, t, t);
}

static void measure(void)
{
    COUNT(overhead, (void)0);
    fc("fully_connected 256x64", 256, 64);
    fc("fully_connected 64x10", 64, 10);
    conv("conv2d 3x3 16x16x16->32", 16, 16, 32, 3, 1, 1);
    conv("conv2d 3x3 28x28x1->8", 28, 1, 8, 3, 1, 1);
    conv("conv2d 1x1 16x16x32->32", 16, 32, 32, 1, 1, 0);
    depthwise("depthwise_conv2d 3x3 16x16x32", 16, 32, 3, 1, 1);
    depthwise("depthwise_conv2d 3x3/2 16x16x32", 16, 32, 3, 2, 1);
    others();
}

#endif

static void calibrate(uint32_t n)
{
    uint64_t t = bench_count();
    bench_known_loop(n);
    t = bench_count() - t;
    write_fields("calibrate", "");
    write_int(n * 2u);
    bench_write(" ");
    write_int(t);
    bench_write(" ");
    write_int(bench_count_scale);
    bench_write("\n");
}

int main(void)
{
    int32_t bad;
    bench_counter_init();
    bench_write("target ");
    bench_write(bench_target);
    bench_write("\n");
    calibrate(1000);
    calibrate(1000000);
    bad = check();
#ifndef BENCH_CHECK_ONLY
    measure();
#endif
    return bad != 0;
}
