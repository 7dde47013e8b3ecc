using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.NativeKernels
{
    /// <summary>
    /// The MFCC and spectral front-ends of the firmware's C library (tml_frontends.h) behind the front-ends' backend
    /// seam. The glue checks the descriptor and every array against each other and throws before writing anything.
    /// Created with the kernel backend (<see cref="NativeKernelBackend.Install"/>): the same native version check.
    /// </summary>
    public sealed class NativeFrontEndBackend : IFrontEndBackend
    {
        internal NativeFrontEndBackend()
        {
        }

        public string Name
        {
            get { return "native"; }
        }

        /// <summary>The backend when the firmware carries the native code for this runtime (as NativeKernelBackend.TryCreate); null otherwise.</summary>
        public static NativeFrontEndBackend TryCreate()
        {
            return NativeKernelBackend.TryCreate() == null ? null : new NativeFrontEndBackend();
        }

        public bool Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            NativeMethods.Mfcc(call, window, binEdge, binWeight, dct, fftCos, fftSin, fftBitReverse, noise, frame, re, im, high, low, raw, offset, output, outputOffset);
            return true;
        }

        public bool Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            NativeMethods.Spectral(call, window, binBand, fftCos, fftSin, fftBitReverse, multipliers, shifts, frame, re, im, sums, features, raw, offset, output, outputOffset);
            return true;
        }
    }
}
