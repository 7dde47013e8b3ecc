/*
 * Bare-metal driver for count_instructions.sh: CLIPS keyword clips through tml_mfcc_clip on tables from
 * mfcc_clip.c --emit (mfcc_tables.h), then exit. Startup for Cortex-M (vector table, semihosting exit) and for
 * RISC-V (QEMU virt, the SiFive test device's exit).
 */
#include <stddef.h>
#include <stdint.h>
#include "tml_frontends.h"
#include "mfcc_tables.h"

#define N 1024
#define FRAME 640
#define STRIDE 320
#define FRAMES 49
#define MEL 40
#define COEF 10
#define BINS (N / 2 + 1)

static int32_t frame[N], re[BINS], im[BINS];
static int64_t high[MEL], low[MEL], noise[MEL];
static int8_t out[FRAMES * COEF];
volatile int32_t sink;

/* gcc turns zeroing loops into memset calls; there is no libc here. */
void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;
    while (n--) {
        *p++ = (unsigned char)c;
    }

    return s;
}

int main(void)
{
    tml_mfcc_config config = { FRAME, STRIDE, FRAMES, MEL, COEF, 0, 0, 10, 0, 1 << 30, -8, 0 };
    tml_mfcc_tables tables = { { N, cosine, sine, rev }, window, edge, weight, dct };
    tml_mfcc_scratch scratch = { frame, re, im, high, low };
    tml_mfcc_state state = { noise, 0 };
    int i;
    config.first_bin = first_bin;
    config.last_bin = last_bin;
    for (i = 0; i < CLIPS; i++) {
        tml_mfcc_clip(&config, &tables, &scratch, &state, pcm, out);
    }

    sink = out[0];
    return 0;
}

#if defined(__arm__)
extern uint32_t _stack_top;
void reset(void);
__attribute__((section(".vectors"), used)) const void *vectors[2] = { &_stack_top, (const void *)reset };

void reset(void)
{
    main();
    /* Semihosting SYS_EXIT, ADP_Stopped_ApplicationExit. */
    __asm__ volatile("mov r0, #0x18\n ldr r1, =0x20026\n bkpt 0xab" ::: "r0", "r1");
    for (;;) {
    }
}
#elif defined(__riscv)
__asm__(".section .text.start\n.globl _start\n_start:\n la sp, _stack_top\n call main\n"
        " li t0, 0x100000\n li t1, 0x5555\n sw t1, 0(t0)\n1: j 1b\n");
#endif
