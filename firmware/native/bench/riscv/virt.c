/*
 * RV32IMC on qemu-system-riscv32 -M virt: semihosting, and the instret CSR as the counter. With -icount shift=0
 * QEMU's instret is the count of executed guest instructions, exact at the CSR read.
 */
#include <stdint.h>
#include "../bench.h"

uint32_t semihost(uint32_t op, const void *arg);

const uint32_t bench_count_scale = 1;

void bench_write(const char *text)
{
    semihost(0x04, text);
}

void bench_exit(int status)
{
    uint32_t block[2] = { 0x20026u, (uint32_t)status };
    for (;;) {
        semihost(0x20, block);
    }
}

void bench_counter_init(void)
{
}

uint64_t bench_count(void)
{
    uint32_t hi;
    uint32_t lo;
    uint32_t again;
    do {
        __asm__ volatile("rdinstreth %0" : "=r"(hi));
        __asm__ volatile("rdinstret %0" : "=r"(lo));
        __asm__ volatile("rdinstreth %0" : "=r"(again));
    } while (hi != again);
    return ((uint64_t)hi << 32) | lo;
}

void bench_known_loop(uint32_t n)
{
    __asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
}
