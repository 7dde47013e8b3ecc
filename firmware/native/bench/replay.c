/*
 * Replays one recorded model inference (a .tmlr blob written by the host's RecordingKernelBackend, see
 * tests/TinyMLOps.Host.Tests/Modelling/Kernels) on the reference MAC kernels and on the path the build selects,
 * counting instructions, and compares both outputs with the managed interpreter's bytes. QEMU loads the blob at
 * BENCH_BLOB (-device loader); the arena is copied after it. Blob: little-endian int32 words
 *   magic "TMLR", version 1, arena bytes, output offset, output length, MACs (low, high), calls, total bytes,
 *   the arena before the inference, the expected output (each padded to 4 bytes), then per call:
 *   kernel id, descriptor length, descriptor (KernelCall slots), buffer count, per buffer its byte length and bytes.
 * Output: replay <MACs> <ref instructions> <opt instructions> <ref in MAC kernels> <opt in MAC kernels> <scale>
 * <ref differing bytes> <opt differing bytes>, then per kernel id that occurs: replay-kernel <id> <calls> <ref
 * instructions> <opt instructions>; the exit status is 1 when a byte differs.
 */
#include <stdint.h>
#include "tml_kernels.h"
#include "bench.h"
#include "ref_kernels.h"

#ifndef BENCH_TARGET
#define BENCH_TARGET "unknown"
#endif

const char bench_target[] = BENCH_TARGET;

/* KernelCall slots (shared/TinyMLOps.Shared/Kernels/KernelCall.cs). */
enum {
    IN_ZP, OUT_ZP, ACT_MIN, ACT_MAX, IN_H, IN_W, IN_C, OUT_H, OUT_W, OUT_C, INPUT, OUTPUT, AUX, KERNEL_H, KERNEL_W,
    STRIDE_H, STRIDE_W, PAD_TOP, PAD_LEFT, PAD_BOTTOM, PAD_RIGHT, COUNT, CYCLE, MULTIPLIER, SHIFT, AUX_ZP,
    DEPTH_MULTIPLIER, AXIS, INPUT_COUNT, LENGTH, PER_INPUT = 5
};

/* Kernel ids of the blob (RecordingKernelBackend). */
enum { FULLY_CONNECTED = 1, CONV2D, DEPTHWISE_CONV2D, AVERAGE_POOL2D, MAX_POOL2D, ADD, MUL, SOFTMAX, MEAN, CONCAT, PAD, LOOKUP };

#define MAX_CALLS 512
#define MAX_BUFFERS 4
#define MAX_INPUTS 16
#define MAX_CHANNELS 4096

typedef struct {
    int32_t kernel;
    const int32_t *d;
    const void *buffers[MAX_BUFFERS];
} call_t;

static call_t calls[MAX_CALLS];
static uint64_t per_kernel[2][LOOKUP + 1];
static uint32_t per_kernel_calls[LOOKUP + 1];
static int32_t sums[MAX_CHANNELS];

static uint32_t padded(uint32_t bytes)
{
    return (bytes + 3u) & ~3u;
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
    bench_write(" ");
}

static tml_quant quant_of(const int32_t *d)
{
    tml_quant q;
    q.input_zero_point = d[IN_ZP];
    q.output_zero_point = d[OUT_ZP];
    q.act_min = d[ACT_MIN];
    q.act_max = d[ACT_MAX];
    return q;
}

static tml_shape shape(int32_t h, int32_t w, int32_t c)
{
    tml_shape s;
    s.h = h;
    s.w = w;
    s.c = c;
    return s;
}

static tml_window window_of(const int32_t *d)
{
    tml_window w;
    w.kernel_h = d[KERNEL_H];
    w.kernel_w = d[KERNEL_W];
    w.stride_h = d[STRIDE_H];
    w.stride_w = d[STRIDE_W];
    w.pad_top = d[PAD_TOP];
    w.pad_left = d[PAD_LEFT];
    w.pad_bottom = d[PAD_BOTTOM];
    w.pad_right = d[PAD_RIGHT];
    return w;
}

/* Runs one call on the arena; reference selects the ref_* kernels. */
static void run(const call_t *c, int8_t *arena, int reference)
{
    const int32_t *d = c->d;
    tml_quant q = quant_of(d);
    tml_shape in = shape(d[IN_H], d[IN_W], d[IN_C]);
    tml_shape out = shape(d[OUT_H], d[OUT_W], d[OUT_C]);
    tml_window w = window_of(d);
    const int8_t *weights = (const int8_t *)c->buffers[0];
    const int32_t *bias = (const int32_t *)c->buffers[1];
    const int32_t *multipliers = (const int32_t *)c->buffers[2];
    const int32_t *shifts = (const int32_t *)c->buffers[3];
    switch (c->kernel) {
    case FULLY_CONNECTED:
        (reference ? ref_fully_connected : tml_fully_connected)(&q, d[IN_C], d[OUT_C], arena + d[INPUT], weights, bias,
                                                                multipliers, shifts, arena + d[OUTPUT]);
        break;
    case CONV2D:
        (reference ? ref_conv2d : tml_conv2d)(&q, &in, &out, &w, arena + d[INPUT], weights, bias, multipliers, shifts,
                                              arena + d[OUTPUT]);
        break;
    case DEPTHWISE_CONV2D:
        (reference ? ref_depthwise_conv2d : tml_depthwise_conv2d)(&q, &in, &out, &w, d[DEPTH_MULTIPLIER],
                                                                  arena + d[INPUT], weights, bias, multipliers,
                                                                  shifts, arena + d[OUTPUT]);
        break;
    case AVERAGE_POOL2D:
        (reference ? ref_average_pool2d : tml_average_pool2d)(&q, &in, &out, &w, arena + d[INPUT], arena + d[OUTPUT]);
        break;
    case MAX_POOL2D:
        (reference ? ref_max_pool2d : tml_max_pool2d)(&q, &in, &out, &w, arena + d[INPUT], arena + d[OUTPUT]);
        break;
    case ADD: {
        const int32_t *terms = (const int32_t *)c->buffers[0];
        (reference ? ref_add : tml_add)(&q, d[COUNT], d[CYCLE], arena + d[INPUT], arena + d[AUX], terms, terms + 256, d[MULTIPLIER], d[SHIFT],
                arena + d[OUTPUT]);
        break;
    }
    case MUL:
        (reference ? ref_mul : tml_mul)(&q, d[COUNT], d[CYCLE], arena + d[INPUT], arena + d[AUX], d[IN_ZP], d[AUX_ZP], d[MULTIPLIER], d[SHIFT],
                arena + d[OUTPUT]);
        break;
    case SOFTMAX:
        tml_softmax(d[OUT_H] * d[OUT_W], d[OUT_C], (const int32_t *)c->buffers[0], arena + d[INPUT], arena + d[OUTPUT]);
        break;
    case MEAN:
        tml_mean(&q, &in, d[MULTIPLIER], d[SHIFT], arena + d[INPUT], sums, arena + d[OUTPUT]);
        break;
    case CONCAT: {
        tml_shape shapes[MAX_INPUTS];
        const int8_t *inputs[MAX_INPUTS];
        const int8_t *tables[MAX_INPUTS];
        const int8_t *flat = (const int8_t *)c->buffers[0];
        int32_t k;
        for (k = 0; k < d[INPUT_COUNT]; k++) {
            const int32_t *s = d + LENGTH + (k * PER_INPUT);
            shapes[k] = shape(s[0], s[1], s[2]);
            inputs[k] = arena + s[3];
            tables[k] = s[4] < 0 ? 0 : flat + (s[4] * 256);
        }

        tml_concat(d[AXIS], d[INPUT_COUNT], shapes, inputs, tables, &out, arena + d[OUTPUT]);
        break;
    }
    case PAD:
        tml_pad(&in, d[PAD_TOP], d[PAD_BOTTOM], d[PAD_LEFT], d[PAD_RIGHT], d[IN_ZP], arena + d[INPUT], arena + d[OUTPUT]);
        break;
    case LOOKUP:
        tml_lookup(d[COUNT], (const int8_t *)c->buffers[0], arena + d[INPUT], arena + d[OUTPUT]);
        break;
    default:
        bench_write("replay: unknown kernel id\n");
        bench_exit(2);
    }
}

static int is_mac(int32_t kernel)
{
    return kernel == FULLY_CONNECTED || kernel == CONV2D || kernel == DEPTHWISE_CONV2D;
}

int main(void)
{
    const int32_t *h = (const int32_t *)BENCH_BLOB;
    uint32_t arena_bytes = (uint32_t)h[2];
    uint32_t output_offset = (uint32_t)h[3];
    uint32_t output_length = (uint32_t)h[4];
    uint64_t macs = ((uint64_t)(uint32_t)h[6] << 32) | (uint32_t)h[5];
    int32_t count = h[7];
    const uint8_t *p = (const uint8_t *)BENCH_BLOB + (9 * 4);
    const int8_t *initial;
    const int8_t *expected;
    int8_t *arena;
    uint64_t total[2];
    uint64_t in_mac[2];
    uint32_t differ[2];
    uint64_t overhead;
    uint64_t t;
    int32_t n;
    int path;
    bench_counter_init();
    if (h[0] != 0x524C4D54 || h[1] != 1) {
        bench_write("replay: no TMLR version 1 blob at the load address\n");
        return 2;
    }

    if (count > MAX_CALLS) {
        bench_write("replay: too many calls\n");
        return 2;
    }

    initial = (const int8_t *)p;
    p += padded(arena_bytes);
    expected = (const int8_t *)p;
    p += padded(output_length);
    for (n = 0; n < count; n++) {
        const int32_t *w = (const int32_t *)p;
        int32_t buffers;
        int32_t b;
        calls[n].kernel = w[0];
        calls[n].d = w + 2;
        p += (2 + w[1]) * 4;
        buffers = *(const int32_t *)p;
        p += 4;
        for (b = 0; b < buffers; b++) {
            uint32_t bytes = *(const uint32_t *)p;
            if (b < MAX_BUFFERS) {
                calls[n].buffers[b] = p + 4;
            }

            p += 4 + padded(bytes);
        }

        if (calls[n].kernel == MEAN && calls[n].d[IN_C] > MAX_CHANNELS) {
            bench_write("replay: Mean over too many channels\n");
            return 2;
        }
    }

    arena = (int8_t *)(((uintptr_t)p + 15u) & ~(uintptr_t)15u);
    t = bench_count();
    overhead = bench_count() - t;
    for (path = 0; path < 2; path++) {
        uint32_t i;
        total[path] = 0;
        in_mac[path] = 0;
        for (i = 0; i < arena_bytes; i++) {
            arena[i] = initial[i];
        }

        for (n = 0; n < count; n++) {
            t = bench_count();
            run(&calls[n], arena, path == 0);
            t = bench_count() - t - overhead;
            total[path] += t;
            in_mac[path] += is_mac(calls[n].kernel) ? t : 0;
            per_kernel[path][calls[n].kernel] += t;
            per_kernel_calls[calls[n].kernel] += path == 0 ? 1 : 0;
        }

        differ[path] = 0;
        for (i = 0; i < output_length; i++) {
            differ[path] += arena[output_offset + i] != expected[i];
        }
    }

    bench_write("replay ");
    write_int(macs);
    write_int(total[0]);
    write_int(total[1]);
    write_int(in_mac[0]);
    write_int(in_mac[1]);
    write_int(bench_count_scale);
    write_int(differ[0]);
    write_int(differ[1]);
    bench_write("\n");
    for (n = FULLY_CONNECTED; n <= LOOKUP; n++) {
        if (per_kernel_calls[n] != 0) {
            bench_write("replay-kernel ");
            write_int((uint64_t)n);
            write_int(per_kernel_calls[n]);
            write_int(per_kernel[0][n]);
            write_int(per_kernel[1][n]);
            bench_write("\n");
        }
    }

    return differ[0] != 0 || differ[1] != 0;
}
