#!/usr/bin/env bash
# Builds the bare-metal kernel benchmark for Cortex-M4 (QEMU mps2-an386), Cortex-M7 (mps2-an500) and RV32IMC
# (virt), runs it under QEMU with -icount and prints one table of instructions per MAC (or per element) for the
# reference and the optimised path; every image also checks the optimised path against the reference on random
# layers and fails on a mismatch.
#   run.sh            all targets, the table; --json FILE also writes the figures as JSON
#   run.sh --check    the bit-exactness check only (fast), on the M4 and RV32 images
#   run.sh --replay DIR   replays every DIR/*.tmlr (one recorded model inference each, written by the host's
#                     RecordingKernelBackend) on M4 (DSP and unroll), M7 and RV32: instructions per inference and
#                     per MAC, and the output checked against the managed interpreter's bytes
# Needs gcc-arm-none-eabi, gcc-riscv64-unknown-elf, qemu-system-arm, qemu-system-misc and python3; without them it says
# so in one line and exits 0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
native="$(dirname "$here")"
mode=all
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) mode=check ;;
    --replay) mode=replay; replay_dir="$2"; shift ;;
    --json) json="$2"; shift ;;
    *) echo "run.sh: unknown argument $1 (use --check, --replay DIR or --json FILE)" >&2; exit 2 ;;
  esac
  shift
done

missing=()
for tool in arm-none-eabi-gcc riscv64-unknown-elf-gcc qemu-system-arm qemu-system-riscv32 python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "run.sh: skipped, ${missing[*]} not installed (apt-get install gcc-arm-none-eabi gcc-riscv64-unknown-elf qemu-system-arm qemu-system-misc)"
  exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
warn=(-std=c99 -Wall -Wextra -Wpedantic -Werror)
# -fno-tree-loop-distribute-patterns: the kernels' loops stay loops rather than calls to the image's memcpy.
common=(-O2 -ffreestanding -fno-tree-loop-distribute-patterns -ffunction-sections -I"$native/include")
optimised=(fully_connected conv2d depthwise_conv2d add mul average_pool2d max_pool2d)

# build NAME CC "CFLAGS..." PLATFORM_SOURCES... : one image with the reference kernels renamed ref_* and the
# path the flags select.
build() {
  local name="$1" cc="$2" flags="$3"; shift 3
  local dir="$out/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  for k in "${optimised[@]}"; do
    $cc $flags "${warn[@]}" "${common[@]}" -DTML_REFERENCE -include "$here/ref_names.h" -c "$native/src/$k.c" -o "$dir/ref_$k.o"
  done
  local objects=("$dir"/ref_*.o)
  for c in "$native"/src/*.c "$native"/src/opt/*.c "$here/$MAIN"; do
    local o="$dir/$(basename "$(dirname "$c")")_$(basename "$c" .c).o"
    # shellcheck disable=SC2086
    $cc $flags "${warn[@]}" "${common[@]}" $EXTRA -DBENCH_TARGET="\"$name\"" -I"$here" -c "$c" -o "$o"
    objects+=("$o")
  done
  for c in "$@"; do
    local o="$dir/platform_$(basename "$c").o"
    # shellcheck disable=SC2086
    $cc $flags -O2 -ffreestanding -I"$here" -c "$c" -o "$o"
    objects+=("$o")
  done
  # shellcheck disable=SC2086
  $cc $flags "${common[@]}" -I"$here" -c "$here/libc.c" -o "$dir/libc.o"
  # shellcheck disable=SC2086
  $cc $flags -nostdlib -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments -T "$LD" "${objects[@]}" "$dir/libc.o" -lgcc -o "$dir/$name.elf"
}

EXTRA=""
MAIN=bench.c
[ "$mode" = check ] && EXTRA="-DBENCH_CHECK_ONLY"
[ "$mode" = replay ] && MAIN=replay.c
arm_sources=("$here/arm/mps2.c")
rv_sources=("$here/riscv/start.S" "$here/riscv/virt.c")

# image NAME: builds the target's image
image() {
  local name="$1"
  case "$name" in
    m4-dsp) LD="$here/arm/mps2.ld" build "$name" arm-none-eabi-gcc "-mthumb -mcpu=cortex-m4 -mfloat-abi=soft -DBENCH_BLOB=0x00100000u" "${arm_sources[@]}" ;;
    m4-unroll) LD="$here/arm/mps2.ld" build "$name" arm-none-eabi-gcc "-mthumb -mcpu=cortex-m4 -mfloat-abi=soft -DTML_UNROLL -DBENCH_BLOB=0x00100000u" "${arm_sources[@]}" ;;
    m7-dsp) LD="$here/arm/mps2.ld" build "$name" arm-none-eabi-gcc "-mthumb -mcpu=cortex-m7 -mfloat-abi=soft -DBENCH_BLOB=0x00100000u" "${arm_sources[@]}" ;;
    rv32-unroll) LD="$here/riscv/virt.ld" build "$name" riscv64-unknown-elf-gcc "-march=rv32imc -mabi=ilp32 -mcmodel=medany -DTML_UNROLL -DBENCH_BLOB=0x80100000u" "${rv_sources[@]}" ;;
  esac
}

# run NAME LABEL [BLOB]: runs the target's image (with the blob loaded at its address), output into $out/LABEL.txt
run() {
  local name="$1" label="$2" blob="${3:-}" status=0 load=()
  local elf="$out/$name/$name.elf"
  if [ -n "$blob" ]; then
    case "$name" in
      rv32-*) load=(-device "loader,file=$blob,addr=0x80100000,force-raw=on") ;;
      *) load=(-device "loader,file=$blob,addr=0x00100000,force-raw=on") ;;
    esac
  fi
  case "$name" in
    m4-*) timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none -icount shift=5 \
            -semihosting-config enable=on,target=native -kernel "$elf" "${load[@]}" > "$out/$label.txt" 2>&1 || status=$? ;;
    m7-*) timeout 120 qemu-system-arm -M mps2-an500 -nographic -monitor none -serial none -icount shift=5 \
            -semihosting-config enable=on,target=native -kernel "$elf" "${load[@]}" > "$out/$label.txt" 2>&1 || status=$? ;;
    rv32-*) timeout 120 qemu-system-riscv32 -M virt -bios none -nographic -monitor none -serial none -icount shift=0 \
            -semihosting-config enable=on,target=native -kernel "$elf" "${load[@]}" > "$out/$label.txt" 2>&1 || status=$? ;;
  esac
  echo "$status" > "$out/$label.status"
}

if [ "$mode" = check ]; then
  targets=(m4-dsp rv32-unroll)
elif [ "$mode" = replay ]; then
  targets=(m4-dsp m4-unroll m7-dsp rv32-unroll)
else
  targets=(m4-dsp m4-unroll m7-dsp rv32-unroll)
fi
for t in "${targets[@]}"; do image "$t"; done
if [ "$mode" = replay ]; then
  shopt -s nullglob
  blobs=("$replay_dir"/*.tmlr)
  [ "${#blobs[@]}" -gt 0 ] || { echo "run.sh: no .tmlr files in $replay_dir" >&2; exit 2; }
  for t in "${targets[@]}"; do
    for b in "${blobs[@]}"; do run "$t" "$t@$(basename "$b" .tmlr)" "$b"; done
  done
  python3 - "$out" "$json" "${targets[@]}" <<'PY'
import glob, json, os, sys
out, json_path, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
failed = False
models = {}
names = [None, "fully_connected", "conv2d", "depthwise_conv2d", "average_pool2d", "max_pool2d", "add", "mul", "softmax",
         "mean", "concat", "pad", "lookup"]
for path in sorted(glob.glob(f"{out}/*@*.txt")):
    label = os.path.basename(path)[:-4]
    target, model = label.split("@", 1)
    status = int(open(f"{out}/{label}.status").read())
    text = open(path).read().splitlines()
    lines = [l for l in text if l.startswith("replay ")]
    if status != 0 or not lines:
        print(f"{target} {model}: exit status {status}: " + " | ".join(open(path).read().splitlines()[-3:]))
        failed = True
    if not lines:
        continue
    macs, ref, opt, ref_mac, opt_mac, scale, ref_diff, opt_diff = (int(x) for x in lines[0].split()[1:])
    if ref_diff or opt_diff:
        print(f"{target} {model}: {ref_diff} reference and {opt_diff} optimised output bytes differ from the managed interpreter")
    models.setdefault(model, {"macs": macs})[target] = {
        "reference": ref / scale, "optimised": opt / scale, "reference_mac_kernels": ref_mac / scale,
        "optimised_mac_kernels": opt_mac / scale, "identical": ref_diff == 0 and opt_diff == 0,
        "kernels": {names[int(f[1])]: {"calls": int(f[2]), "reference": int(f[3]) / scale, "optimised": int(f[4]) / scale}
                    for f in (l.split() for l in text if l.startswith("replay-kernel "))}}
print("model inference replayed in the guest: instructions per MAC (whole inference), reference / optimised; output identical to the managed interpreter")
print(f"{'model':28} {'MACs':>10} " + " ".join(f"{t:>19}" for t in targets) + "  identical")
for model, m in models.items():
    cells = [f"{m[t]['reference'] / m['macs']:8.2f} /{m[t]['optimised'] / m['macs']:8.2f}" if t in m else f"{'-':>19}" for t in targets]
    same = all(m[t]["identical"] for t in targets if t in m)
    print(f"{model:28} {m['macs']:10} " + " ".join(f"{c:>19}" for c in cells) + ("  yes" if same else "  NO"))
share = {}
for m in models.values():
    for t in targets:
        for k, v in m.get(t, {}).get("kernels", {}).items():
            s = share.setdefault(t, {}).setdefault(k, [0.0, 0.0])
            s[0] += v["reference"]
            s[1] += v["optimised"]
for t in targets:
    if t in share:
        ref_total = sum(v[0] for v in share[t].values())
        opt_total = sum(v[1] for v in share[t].values())
        print(f"{t}: share of all models' instructions per kernel, reference / optimised: " +
              ", ".join(f"{k} {100 * v[0] / ref_total:.0f}/{100 * v[1] / opt_total:.0f} %" for k, v in sorted(share[t].items(), key=lambda kv: -kv[1][1])))
if json_path:
    # One file for both runs: the replay's figures go under "models", next to the kernel table's.
    try:
        doc = json.load(open(json_path))
    except (OSError, ValueError):
        doc = {}
    doc["models"] = models
    with open(json_path, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
sys.exit(1 if failed else 0)
PY
  exit $?
fi
for t in "${targets[@]}"; do run "$t" "$t"; done

python3 - "$out" "$mode" "$json" "${targets[@]}" <<'PY'
import json, sys
out, mode, json_path, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
failed = False
kernels = {}
order = []
for t in targets:
    status = int(open(f"{out}/{t}.status").read())
    lines = open(f"{out}/{t}.txt").read().splitlines()
    for line in lines:
        f = line.split(" ")
        if f[0] == "calibrate":
            n, count, scale = int(f[1]), int(f[2]), int(f[3])
            print(f"{t}: counter on a loop of {n} instructions reads {count / scale:.2f} ({count / scale - n:+.2f})")
        elif f[0] == "check":
            print(f"{t}: {f[1]} optimised vs reference on {f[2]} random layers: {f[3]} differ")
            failed |= f[3] != "0"
        elif f[0] == "kernel":
            name = " ".join(f[1:-4])
            work, ref, opt, scale = (int(x) for x in f[-4:])
            if name not in kernels:
                kernels[name] = {"work": work}
                order.append(name)
            kernels[name][t] = {"reference": ref / scale, "optimised": opt / scale}
    if status != 0:
        print(f"{t}: exit status {status}" + ("" if lines else " (no output)"))
        failed = True
if mode == "all" and kernels:
    cols = [("m4-dsp", "reference", "M4 ref"), ("m4-unroll", "optimised", "M4 unroll"), ("m4-dsp", "optimised", "M4 DSP"),
            ("m7-dsp", "reference", "M7 ref"), ("m7-dsp", "optimised", "M7 DSP"),
            ("rv32-unroll", "reference", "RV32 ref"), ("rv32-unroll", "optimised", "RV32 unroll")]
    print()
    print("instructions per MAC (MAC kernels) or per element; QEMU -icount, one call each")
    print(f"{'kernel':36} {'work':>7} " + " ".join(f"{c[2]:>11}" for c in cols))
    for name in order:
        k = kernels[name]
        cells = []
        for t, path, _ in cols:
            cells.append(f"{k[t][path] / k['work']:11.2f}" if t in k else f"{'-':>11}")
        print(f"{name:36} {k['work']:7} " + " ".join(cells))
    if json_path:
        rows = []
        for name in order:
            k = kernels[name]
            mac = name.split(" ")[0] in ("fully_connected", "conv2d", "depthwise_conv2d")
            row = {"kernel": name.split(" ")[0], "shape": " ".join(name.split(" ")[1:]), "unit": "MAC" if mac else "element", "work": k["work"]}
            for t in targets:
                if t in k:
                    row[t] = {p: {"instructions": round(v), "per_unit": round(v / k["work"], 3)} for p, v in k[t].items()}
            rows.append(row)
        try:
            doc = json.load(open(json_path))
        except (OSError, ValueError):
            doc = {}
        with open(json_path, "w") as fh:
            doc.update({"method": "QEMU 7.2 -icount; M4/M7: CMSDK timer 0 at 25 MHz with shift=5 (1.25 instructions per tick); RV32: instret with shift=0",
                       "targets": {"m4-dsp": "Cortex-M4, mps2-an386, arm-none-eabi-gcc 12 -O2 -mcpu=cortex-m4 (DSP path)",
                                   "m4-unroll": "Cortex-M4, -DTML_UNROLL (portable path)",
                                   "m7-dsp": "Cortex-M7, mps2-an500, -mcpu=cortex-m7 (DSP path)",
                                   "rv32-unroll": "RV32IMC, virt, riscv64-unknown-elf-gcc 12 -O2 -march=rv32imc -DTML_UNROLL"},
                       "cpi_assumed": {"cortex-m4": [1.0, 1.3], "cortex-m7": [0.6, 0.8], "rv32imc (esp32-c3)": [1.0, 1.2]},
                       "kernels": rows})
            json.dump(doc, fh, indent=1)
            fh.write("\n")
sys.exit(1 if failed else 0)
PY
