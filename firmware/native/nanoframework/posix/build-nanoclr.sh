#!/bin/bash
# Builds a nanoCLR POSIX host (the kit's nanoCLR, nf-interpreter a3e8139) with the TinyMLOps.NativeKernels interop
# library compiled in: the glue of firmware/native/nanoframework and the kernels of firmware/native/src. The POSIX
# host has no NF_INTEROP_ASSEMBLIES option, so this adds the sources to targets/posix/nanoCLR/CMakeLists.txt and the
# assembly to the interop table in posix_stubs.cpp (the kit README, "Native code in the POSIX host").
#   build-nanoclr.sh WORKDIR      -> WORKDIR/kit/nanoclr/bin/nanoFramework.nanoCLR.test (about 2 minutes on 2 cores)
# Use the runner through NF_NANOCLR with the kit's `run`. Needs cmake >= 3.24, ninja and g++ (.ci/setup).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)
KIT=${TINYMLOPS_NANOFRAMEWORK:-$REPO/../shared/nanoframework}
KIT=$(cd "$KIT" && pwd)
WORK=${1:?usage: build-nanoclr.sh WORKDIR}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
rm -rf "$WORK/nf" "$WORK/kit"
cp -r "$KIT/src/nf-interpreter" "$WORK/nf"
mkdir -p "$WORK/kit"
cp -r "$KIT/build" "$WORK/kit/build"
chmod -R u+w "$WORK/nf" "$WORK/kit"

LIB="$WORK/nf/src/TinyMLOps.NativeKernels"
mkdir -p "$LIB/native/src" "$LIB/native/include"
cp "$HERE"/../*.cpp "$HERE"/../*.h "$LIB/"
cp -r "$REPO"/firmware/native/src/. "$LIB/native/src/"
cp "$REPO"/firmware/native/include/*.h "$LIB/native/include/"

python3 - "$WORK/nf/targets/posix/nanoCLR" "$LIB" <<'PY'
import glob, os, sys
posix, lib = sys.argv[1], sys.argv[2]
cm = os.path.join(posix, "CMakeLists.txt")
text = open(cm).read()
sources = sorted(glob.glob(os.path.join(lib, "*.cpp"))) + sorted(glob.glob(os.path.join(lib, "native", "src", "**", "*.c"), recursive=True))
block = "# TinyMLOps native kernels (interop assembly TinyMLOps.NativeKernels)\nset(NF_TINYMLOPS_NATIVEKERNELS_SRCS\n" + \
    "".join("    " + s + "\n" for s in sources) + ")\n\nlist(APPEND NANOCLR_POSIX_SOURCES\n    ${NF_TINYMLOPS_NATIVEKERNELS_SRCS}\n"
anchor = "list(APPEND NANOCLR_POSIX_SOURCES\n"
assert text.count(anchor) == 1, "CMakeLists.txt: no single source list to extend"
text = text.replace(anchor, block, 1)
anchor = "    ${REPO_ROOT}/src/CLR/Include\n"
assert anchor in text, "CMakeLists.txt: no include list to extend"
text = text.replace(anchor, anchor + "    " + lib + "\n    " + os.path.join(lib, "native", "include") + "\n", 1)
open(cm, "w").write(text)
stubs = os.path.join(posix, "posix_stubs.cpp")
text = open(stubs).read()
anchor = "extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_System_IO_Ports;\n"
entry = "    &g_CLR_AssemblyNative_System_IO_Ports,\n"
assert anchor in text and entry in text, "posix_stubs.cpp: interop table not found"
text = text.replace(anchor, anchor + "extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_TinyMLOps_NativeKernels;\n", 1)
text = text.replace(entry, entry + "    &g_CLR_AssemblyNative_TinyMLOps_NativeKernels,\n", 1)
open(stubs, "w").write(text)
PY

bash "$WORK/kit/build/build-nanoclr.sh" "$WORK/nf" >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
echo "nanoCLR with TinyMLOps.NativeKernels: $WORK/kit/nanoclr/bin/nanoFramework.nanoCLR.test"
