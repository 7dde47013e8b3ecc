/*
 * Which implementation of the MAC kernels (fully connected, convolution, depthwise convolution) a build compiles,
 * chosen at compile time; every path gives the same bytes (docs/firmware.md, "Optimised paths").
 *   TML_REFERENCE  the reference loops of the kernel files in src, whatever the target;
 *   TML_UNROLL     the portable unrolled loops of src/opt/ (Xtensa LX6, RISC-V, any 32-bit core);
 *   otherwise the Arm DSP-extension loops of src/opt/ when the target has them (__ARM_FEATURE_DSP: Cortex-M4,
 *   M7, M33 with DSP), else the reference.
 */
#ifndef TML_PATH_H
#define TML_PATH_H

#define TML_PATH_REFERENCE 0
#define TML_PATH_UNROLL 1
#define TML_PATH_DSP 2

#if defined(TML_REFERENCE)
#define TML_PATH TML_PATH_REFERENCE
#elif defined(TML_UNROLL)
#define TML_PATH TML_PATH_UNROLL
#elif defined(__ARM_FEATURE_DSP)
#define TML_PATH TML_PATH_DSP
#else
#define TML_PATH TML_PATH_REFERENCE
#endif

#endif
