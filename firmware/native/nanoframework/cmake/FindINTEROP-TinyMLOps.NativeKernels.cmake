#
# The TinyMLOps.NativeKernels interop assembly for an nf-interpreter board build (docs/firmware.md, "Native kernels on
# a board"). Copy this file to nf-interpreter's CMake/Modules and add TinyMLOps.NativeKernels to the board's
# NF_INTEROP_ASSEMBLIES; CMake/Modules/FindNF_NativeAssemblies.cmake then finds it as INTEROP-TinyMLOps.NativeKernels,
# adds TinyMLOps.NativeKernels_SOURCES and _INCLUDE_DIRS to the nanoCLR build and puts
# g_CLR_AssemblyNative_TinyMLOps_NativeKernels in the generated interop table.
#
# TINYMLOPS_NATIVE_DIR is the repository's firmware/native folder (nanoframework/ holds the glue, src/ and include/
# the C99 kernels). By default it is InteropAssemblies/TinyMLOps.NativeKernels inside nf-interpreter, where a copy of
# firmware/native can go; or point it at a TinyMLOps checkout: -DTINYMLOPS_NATIVE_DIR=/path/to/tinymlops/firmware/native
#

set(TINYMLOPS_NATIVE_DIR "${PROJECT_SOURCE_DIR}/InteropAssemblies/TinyMLOps.NativeKernels"
    CACHE PATH "firmware/native of a TinyMLOps checkout (the TinyMLOps.NativeKernels interop library)")

# The nanoCLR headers the glue includes, then the glue's and the kernels' own.
list(APPEND TinyMLOps.NativeKernels_INCLUDE_DIRS
    ${PROJECT_SOURCE_DIR}/src/CLR/Core
    ${PROJECT_SOURCE_DIR}/src/CLR/Include
    ${PROJECT_SOURCE_DIR}/src/HAL/Include
    ${PROJECT_SOURCE_DIR}/src/PAL/Include
    ${TINYMLOPS_NATIVE_DIR}/nanoframework
    ${TINYMLOPS_NATIVE_DIR}/include)

# The glue: the generated method table (gen_table.py) and the argument marshalling with its descriptor checks.
set(TinyMLOps.NativeKernels_GLUE
    nanoframework/tinymlops_nativekernels.cpp
    nanoframework/tinymlops_nativekernels_NativeMethods.cpp)

# One C99 file per kernel, as in the C# runtime (shared/TinyMLOps.Shared/Kernels), its optimised path in src/opt (the
# build picks the path: the Arm DSP path where __ARM_FEATURE_DSP, the unrolled one with TML_UNROLL, else the
# reference; src/tml_path.h), and the front-ends' twins (shared/TinyMLOps.Shared/Preprocessing).
set(TinyMLOps.NativeKernels_KERNELS
    src/add.c
    src/average_pool2d.c
    src/concat.c
    src/conv2d.c
    src/depthwise_conv2d.c
    src/fixed_fft.c
    src/fixed_math.c
    src/fully_connected.c
    src/lookup.c
    src/max_pool2d.c
    src/mean.c
    src/mfcc.c
    src/mul.c
    src/pad.c
    src/quant_math.c
    src/softmax.c
    src/spectral.c
    src/opt/add.c
    src/opt/average_pool2d.c
    src/opt/conv2d.c
    src/opt/depthwise_conv2d.c
    src/opt/fully_connected.c
    src/opt/max_pool2d.c
    src/opt/mul.c)

foreach(SRC_FILE ${TinyMLOps.NativeKernels_GLUE} ${TinyMLOps.NativeKernels_KERNELS})
    set(TinyMLOps.NativeKernels_SRC_FILE SRC_FILE-NOTFOUND)
    find_file(TinyMLOps.NativeKernels_SRC_FILE ${SRC_FILE}
        PATHS
            ${TINYMLOPS_NATIVE_DIR}
        NO_DEFAULT_PATH
        CMAKE_FIND_ROOT_PATH_BOTH)
    if(NOT TinyMLOps.NativeKernels_SRC_FILE)
        message(FATAL_ERROR "TinyMLOps.NativeKernels: ${SRC_FILE} is not in ${TINYMLOPS_NATIVE_DIR} (set TINYMLOPS_NATIVE_DIR to firmware/native of a TinyMLOps checkout)")
    endif()
    if(BUILD_VERBOSE)
        message("${SRC_FILE} >> ${TinyMLOps.NativeKernels_SRC_FILE}")
    endif()
    list(APPEND TinyMLOps.NativeKernels_SOURCES ${TinyMLOps.NativeKernels_SRC_FILE})
endforeach()

include(FindPackageHandleStandardArgs)

FIND_PACKAGE_HANDLE_STANDARD_ARGS(INTEROP-TinyMLOps.NativeKernels DEFAULT_MSG TinyMLOps.NativeKernels_INCLUDE_DIRS TinyMLOps.NativeKernels_SOURCES)
