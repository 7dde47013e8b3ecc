using System.Runtime.CompilerServices;

namespace TinyMLOps.NativeKernels
{
    /// <summary>
    /// The kernel entry points the firmware implements in C (firmware/native/nanoframework). Each takes the arrays and
    /// the operator's call descriptor (Shared KernelCall); the native side checks every offset and length in the
    /// descriptor against the arrays and throws IndexOutOfRangeException when one does not fit. Changing a signature
    /// changes the assembly's native checksum: regenerate the glue table (firmware/native/nanoframework/gen_table.py).
    /// </summary>
    internal static class NativeMethods
    {
        /// <summary>The descriptor layout version the firmware's glue was built for (KernelCall.Version).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Version();

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AveragePool2D(int[] call, sbyte[] arena);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MaxPool2D(int[] call, sbyte[] arena);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Add(int[] call, sbyte[] arena, int[] terms);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Mul(int[] call, sbyte[] arena);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Softmax(int[] call, sbyte[] arena, int[] expTable);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Mean(int[] call, sbyte[] arena, int[] sums);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Concat(int[] call, sbyte[] arena, sbyte[] tables);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Pad(int[] call, sbyte[] arena);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Lookup(int[] call, sbyte[] arena, byte[] table);

        /// <summary>One MFCC clip (IFrontEndBackend.Mfcc): tml_mfcc_clip on the front-end's tables, buffers and noise floor.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset);

        /// <summary>One spectral window (IFrontEndBackend.Spectral): tml_spectral.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset);
    }
}
