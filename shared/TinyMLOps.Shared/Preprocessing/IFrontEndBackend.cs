namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Another implementation of the sample front-ends: the firmware's native (C) library. A method gets the front-end's
    /// integers in one int[] call descriptor (the C struct's fields in order: tml_mfcc_config, tml_spectral_config in
    /// firmware/native/include/tml_frontends.h), its load-time tables, its state and its working buffers, and returns
    /// false to decline; then the C# front-end, the reference, runs. Every implementation must give the reference's
    /// bytes and leave the reference's state.
    /// </summary>
    public interface IFrontEndBackend
    {
        /// <summary>What the device reports: "native", ...</summary>
        string Name { get; }

        /// <summary>
        /// One clip (Mfcc.ProcessSamples). call: frame length, stride, frames, mel bands, coefficients, first and last
        /// bin, log2 FFT size, noise shift, output multiplier, shift, zero point. noise: the floor, restarted by the call.
        /// </summary>
        bool Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset);

        /// <summary>
        /// One window (Spectral.ProcessSamples). call: channels, log2 window, bands, zero point; multipliers and shifts per
        /// channel; features: Channels · (Bands + 2) ints of scratch.
        /// </summary>
        bool Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset);
    }
}
