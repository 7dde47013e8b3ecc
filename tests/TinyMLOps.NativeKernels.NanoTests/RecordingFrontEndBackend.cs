using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.NativeKernels.NanoTests
{
    /// <summary>
    /// Declines every call and keeps its arguments: the front-end's own tables, buffers and state, which a test then
    /// hands to the native backend with one argument spoilt.
    /// </summary>
    internal sealed class RecordingFrontEndBackend : IFrontEndBackend
    {
        public int[] Call;
        public int[] Window;
        public int[] BinEdge;
        public int[] BinWeight;
        public int[] Dct;
        public int[] FftCos;
        public int[] FftSin;
        public int[] FftBitReverse;
        public long[] Noise;
        public int[] Frame;
        public int[] Re;
        public int[] Im;
        public long[] High;
        public long[] Low;
        public int[] BinBand;
        public int[] Multipliers;
        public int[] Shifts;
        public long[] Sums;
        public int[] Features;

        public string Name
        {
            get { return "recording"; }
        }

        public bool Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            Call = call;
            Window = window;
            BinEdge = binEdge;
            BinWeight = binWeight;
            Dct = dct;
            FftCos = fftCos;
            FftSin = fftSin;
            FftBitReverse = fftBitReverse;
            Noise = noise;
            Frame = frame;
            Re = re;
            Im = im;
            High = high;
            Low = low;
            return false;
        }

        public bool Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            Call = call;
            Window = window;
            BinBand = binBand;
            FftCos = fftCos;
            FftSin = fftSin;
            FftBitReverse = fftBitReverse;
            Multipliers = multipliers;
            Shifts = shifts;
            Frame = frame;
            Re = re;
            Im = im;
            Sums = sums;
            Features = features;
            return false;
        }
    }
}
