/*
 * What a bare-metal target gives the benchmark (arm/ and riscv/): text out, an exit code, and an instruction
 * counter (README in run.sh; method and error in docs/benchmarks.md).
 */
#ifndef TML_BENCH_H
#define TML_BENCH_H

#include <stdint.h>

/* Writes a NUL-terminated string to the host (semihosting). */
void bench_write(const char *text);

/* Ends the emulation with this exit status (semihosting SYS_EXIT_EXTENDED). */
void bench_exit(int status);

/* Starts the counter; called once. */
void bench_counter_init(void);

/* Guest instructions retired so far (in units of 1/BENCH_COUNT_SCALE instruction). */
uint64_t bench_count(void);

/* A loop of exactly 2n instructions (n >= 1), to check the counter. */
void bench_known_loop(uint32_t n);

/* The target's name for the output. */
extern const char bench_target[];

/* The counts are in units of 1/BENCH_COUNT_SCALE instruction (see the target's file). */
extern const uint32_t bench_count_scale;

#endif
