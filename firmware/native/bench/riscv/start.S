/* RV32IMC on qemu-system-riscv32 -M virt -bios none: the image starts at 0x80000000 in machine mode. */
    .section .text.start
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
    call bench_exit
3:  j 3b

/* RISC-V semihosting: a0 = operation, a1 = argument; the three instructions must be uncompressed, in one page. */
    .text
    .balign 16
    .globl semihost
semihost:
    .option push
    .option norvc
    slli zero, zero, 0x1f
    ebreak
    srai zero, zero, 7
    .option pop
    ret
