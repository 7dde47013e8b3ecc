using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Inspection;

/// <summary>
/// What a model's front-end adds to one inference on a board: RAM (its tables and buffers, allocated once) and time,
/// as interpreted-MAC equivalents, so <see cref="Boards.CostModel"/> prices it with the board's kernel coefficients. The
/// per-kind factors are fitted to the front-ends' times on the POSIX nanoCLR divided by the interpreted
/// FullyConnected kernel's time per MAC on the same host (docs/benchmarks.md, "Front-ends per inference on the
/// boards"): MFCC 1 s at FFT 1024 and 512 (within 1 % of each other), spectral 3 x 512, image 28x28 grey and 32x32x3.
/// Rough: take them to ±50 %.
/// </summary>
public static class FrontEndCost
{
    /// <summary>Interpreted-MAC equivalents per frame and FFT point x log2 of it (windowing, FFT, mel, log, DCT).</summary>
    public const double MfccFactor = 4.86;

    /// <summary>Per channel and window sample x log2 of the window (mean, window, FFT, bands, square roots).</summary>
    public const double SpectralFactor = 13.7;

    /// <summary>Per output pixel and frame channel (taps, bilinear sums, grey, table).</summary>
    public const double ImageFactor = 18;

    /// <summary>Per value (subtract, divide, quantize).</summary>
    public const double NormalizeFactor = 2;

    /// <summary>
    /// The MFCC's C twin (firmware/native/src/mfcc.c) per frame and FFT point x log2 of it, in native-MAC equivalents:
    /// its QEMU instruction count per keyword clip (49 frames of FFT 1024: 8.04 M on Cortex-M4, 11.0 M on RV32IMC, i.e.
    /// 16.0 and 21.9 per unit) over the whole-model instructions per MAC on the same path (2.93 and 5.44), averaged
    /// (docs/benchmarks.md, "Native front-ends").
    /// </summary>
    public const double MfccNativeFactor = 4.7;

    /// <summary>The spectral front-end's C twin per channel and window sample x log2, the same way (37.4 and 53.8 per unit).</summary>
    public const double SpectralNativeFactor = 11.3;

    /// <summary>
    /// The front-end's time in native-MAC equivalents when the firmware's native library has its C twin (MFCC,
    /// spectral), priced with the board's cyclesPerMacNative; null when it runs in C# on every firmware (image, normalize).
    /// </summary>
    public static long? NativeOf(FrontEnd? frontEnd) => frontEnd switch
    {
        null => 0,
        Mfcc m => (long)(m.Frames * m.FftSize * Math.Log2(m.FftSize) * MfccNativeFactor),
        Spectral s => (long)(s.Channels * s.Samples * Math.Log2(s.Samples) * SpectralNativeFactor),
        _ => null,
    };

    /// <summary>The front-end's time in interpreted-MAC equivalents, and its RAM in bytes; (0, 0) without one.</summary>
    public static (long EquivalentMacs, int RamBytes) Of(FrontEnd? frontEnd) => frontEnd switch
    {
        null => (0, 0),
        Mfcc m => ((long)(m.Frames * m.FftSize * Math.Log2(m.FftSize) * MfccFactor), m.MemoryBytes),
        Spectral s => ((long)(s.Channels * s.Samples * Math.Log2(s.Samples) * SpectralFactor), s.MemoryBytes),
        ImageFrontEnd i => ((long)(i.Height * i.Width * i.SrcC * ImageFactor), (4 * 3 * (i.Height + i.Width)) + (256 * i.OutC) + (i.Height * i.Width * i.OutC)),
        Normalize n => ((long)(n.RawValues * NormalizeFactor), 0),
        _ => throw new ArgumentException($"no cost for the {frontEnd.Name} front-end"),
    };
}
