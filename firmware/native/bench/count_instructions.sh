#!/bin/sh
# Instructions per keyword clip of tml_mfcc_clip (and per vibration window of tml_spectral) on Cortex-M4, Cortex-M7 and RV32IMC: the library cross-compiled with
# Debian's gcc-arm-none-eabi and gcc-riscv64-unknown-elf (-O2), run bare-metal under QEMU (MPS2 AN386 / AN500, virt)
# one instruction per translation block, every executed instruction logged and counted; the count with 0 clips
# (startup) is subtracted from the count with 1. The run first checks the clip's output against the host's checksum. Usage, from firmware/native: sh bench/count_instructions.sh
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -std=c99 -I"$here/include" "$here/bench/mfcc_clip.c" "$here/src/fixed_fft.c" "$here/src/fixed_math.c" \
    "$here/src/mfcc.c" "$here/src/spectral.c" "$here/src/quant_math.c" -lm -o "$tmp/emit"
"$tmp/emit" 0 --emit > "$tmp/mfcc_tables.h"
src="$here/src/fixed_fft.c $here/src/fixed_math.c $here/src/mfcc.c $here/src/spectral.c $here/src/quant_math.c $here/bench/mfcc_bare.c"

link_script() { # origin entry
    printf 'ENTRY(%s)\nSECTIONS {\n . = %s;\n .text : { KEEP(*(.vectors)) *(.text.start) *(.text*) *(.rodata*) }\n .data : { *(.data*) *(.sdata*) }\n .bss : { *(.bss*) *(.sbss*) *(COMMON) }\n . = ALIGN(8) + 0x10000;\n _stack_top = .;\n}\n' "$2" "$1" > "$tmp/bare.ld"
}

count() { # name what qemu-command...
    name=$1
    what=$2
    shift 2
    total=""
    "$@" "$tmp/$name.1.elf" > /dev/null || { echo "$name: the $what output differs from the host's" >&2; exit 1; }
    for clips in 0 1; do
        n=$("$@" "$tmp/$name.$clips.elf" -singlestep -d exec,nochain -D /dev/stderr 2>&1 >/dev/null | grep -c '^Trace')
        total="$total $n"
    done
    set -- $total
    echo "$name: $(($2 - $1)) instructions per $what (startup $1)"
}

for kind in mfcc spectral; do
    define=""
    what="keyword clip (MFCC)"
    if [ $kind = spectral ]; then
        define="-DSPECTRAL"
        what="vibration window (spectral)"
    fi

    for clips in 0 1; do
        link_script 0x0 reset
        for cpu in cortex-m4 cortex-m7; do
            arm-none-eabi-gcc -mcpu=$cpu -mthumb -O2 -std=c99 -ffreestanding -nostdlib -DCLIPS=$clips $define -I"$here/include" \
                -I"$tmp" -T "$tmp/bare.ld" $src -lgcc -o "$tmp/$cpu-$kind.$clips.elf"
        done

        link_script 0x80000000 _start
        riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 -O2 -std=c99 -ffreestanding -nostdlib -DCLIPS=$clips $define \
            -I"$here/include" -I"$tmp" -T "$tmp/bare.ld" -Wl,--no-warn-rwx-segments $src -lgcc -o "$tmp/rv32imc-$kind.$clips.elf"
    done

    count cortex-m4-$kind "$what" qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -kernel
    count cortex-m7-$kind "$what" qemu-system-arm -M mps2-an500 -nographic -semihosting-config enable=on,target=native -kernel
    count rv32imc-$kind "$what" qemu-system-riscv32 -M virt -bios none -nographic -kernel
done
