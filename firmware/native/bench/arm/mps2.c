/*
 * Cortex-M4 (mps2-an386) and Cortex-M7 (mps2-an500) under QEMU: the vector table, the reset handler, Arm
 * semihosting, and the instruction counter. QEMU runs with -icount shift=5: every guest instruction advances the
 * virtual clock by 2^5 = 32 ns, and the CMSDK APB timer 0 counts down at the boards' 25 MHz (40 ns): 4 ticks are
 * 5 instructions, read in units of 1/4 instruction as ticks * 5.
 */
#include <stdint.h>
#include "../bench.h"

#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)

extern uint32_t __stack_top;
extern uint32_t __bss_start;
extern uint32_t __bss_end;
int main(void);
void reset_handler(void);
void fault_handler(void);

const uint32_t bench_count_scale = 4;

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &__stack_top, (void *)reset_handler, (void *)fault_handler, (void *)fault_handler, (void *)fault_handler,
    (void *)fault_handler, (void *)fault_handler, 0, 0, 0, 0, (void *)fault_handler, (void *)fault_handler, 0,
    (void *)fault_handler, (void *)fault_handler,
};

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void bench_write(const char *text)
{
    semihost(0x04, text); /* SYS_WRITE0 */
}

void bench_exit(int status)
{
    uint32_t block[2] = { 0x20026u, (uint32_t)status }; /* ADP_Stopped_ApplicationExit, exit code */
    for (;;) {
        semihost(0x20, block); /* SYS_EXIT_EXTENDED */
    }
}

void bench_counter_init(void)
{
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_CTRL = 1;
}

uint64_t bench_count(void)
{
    return (uint64_t)(0xFFFFFFFFu - TIMER0_VALUE) * 5u;
}

void bench_known_loop(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}

void fault_handler(void)
{
    bench_write("fault\n");
    bench_exit(3);
}

void reset_handler(void)
{
    uint32_t *p;
    for (p = &__bss_start; p < &__bss_end; p++) {
        *p = 0;
    }

    bench_exit(main());
}
