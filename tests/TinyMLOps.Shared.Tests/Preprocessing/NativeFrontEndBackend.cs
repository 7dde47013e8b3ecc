using System.Runtime.InteropServices;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Tests.Kernels;

namespace TinyMLOps.Shared.Tests.Preprocessing;

/// <summary>
/// The front-ends of firmware/native (tml_frontends.h) as an <see cref="IFrontEndBackend"/> through P/Invoke: what the
/// firmware's interop glue does on a board (the call descriptor as the config struct, arrays to pointers, offsets to
/// element addresses). The structs mirror tml_frontends.h field for field.
/// </summary>
internal sealed class NativeFrontEndBackend : IFrontEndBackend
{
    public NativeFrontEndBackend() => NativeKernels.EnsureLoaded();

    public string Name => "native";

    /// <summary>Calls taken per front-end (a test checks the front-end really used the C code).</summary>
    public Dictionary<string, int> Calls { get; } = [];

    /// <summary>The arrays of the last MFCC call, so a test can drive tml_mfcc_frame with the same tables.</summary>
    public MfccArrays? LastMfcc { get; private set; }

    public bool Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset)
    {
        Calls["mfcc"] = Calls.GetValueOrDefault("mfcc") + 1;
        var arrays = new MfccArrays(call, window, binEdge, binWeight, dct, fftCos, fftSin, fftBitReverse, noise, frame, re, im, high, low);
        LastMfcc = arrays;
        using var pins = new Pins();
        // Started on purpose: the clip must restart the floor itself, as Mfcc.ProcessSamples does.
        var (tables, scratch, state) = arrays.Structs(pins, started: 1);
        Native.MfccClip(call, ref tables, ref scratch, ref state, ref raw[offset], ref output[outputOffset]);
        return true;
    }

    public bool Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset)
    {
        Calls["spectral"] = Calls.GetValueOrDefault("spectral") + 1;
        using var pins = new Pins();
        var fft = Fft(pins, fftCos, fftSin, fftBitReverse);
        var scratch = new SpectralScratch { Frame = pins.Pin(frame), Re = pins.Pin(re), Im = pins.Pin(im), Sums = pins.Pin(sums), Features = pins.Pin(features) };
        Native.Spectral(call, ref fft, window, binBand, multipliers, shifts, ref scratch, ref raw[offset], ref output[outputOffset]);
        return true;
    }

    /// <summary>The C FFT on tables given as arrays.</summary>
    public static void FftReal(int[] cos, int[] sin, int[] bitReverse, int[] x, int[] re, int[] im)
    {
        using var pins = new Pins();
        var fft = Fft(pins, cos, sin, bitReverse);
        Native.FftReal(ref fft, x, re, im);
    }

    public static int Log2(long v, int frac) => Native.Log2(v, frac);

    public static long Sqrt(long v) => Native.Sqrt(v);

    private static FftTables Fft(Pins pins, int[] cos, int[] sin, int[] bitReverse) =>
        new() { N = 2 * cos.Length, Cos = pins.Pin(cos), Sin = pins.Pin(sin), BitReverse = pins.Pin(bitReverse) };

    /// <summary>An MFCC call's arrays; <see cref="Frames"/> streams frames through tml_mfcc_frame with them.</summary>
    internal sealed record MfccArrays(int[] Call, int[] Window, int[] BinEdge, int[] BinWeight, int[] Dct, int[] FftCos, int[] FftSin, int[] FftBitReverse, long[] Noise, int[] Frame, int[] Re, int[] Im, long[] High, long[] Low)
    {
        /// <summary>count frames every stride samples from pcm[offset] into q (Q16), the noise floor carried in noise from started.</summary>
        public int Frames(short[] pcm, int offset, int stride, int count, int[] q, long[] noise, int started)
        {
            using var pins = new Pins();
            var (tables, scratch, state) = this.Structs(pins, started);
            state.Noise = pins.Pin(noise);
            int coefficients = Call[4];
            var one = new int[coefficients];
            for (int f = 0; f < count; f++)
            {
                Native.MfccFrame(Call, ref tables, ref scratch, ref state, ref pcm[offset + (f * stride)], one);
                Array.Copy(one, 0, q, f * coefficients, coefficients);
            }

            return state.NoiseStarted;
        }

        public (MfccTables Tables, MfccScratch Scratch, MfccState State) Structs(Pins pins, int started) =>
            (new MfccTables { Fft = Fft(pins, FftCos, FftSin, FftBitReverse), Window = pins.Pin(Window), BinEdge = pins.Pin(BinEdge), BinWeight = pins.Pin(BinWeight), Dct = pins.Pin(Dct) },
             new MfccScratch { Frame = pins.Pin(Frame), Re = pins.Pin(Re), Im = pins.Pin(Im), High = pins.Pin(High), Low = pins.Pin(Low) },
             new MfccState { Noise = pins.Pin(Noise), NoiseStarted = started });
    }

    /// <summary>Pinned arrays, freed together.</summary>
    internal sealed class Pins : IDisposable
    {
        private readonly List<GCHandle> _handles = [];

        public IntPtr Pin(Array array)
        {
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            _handles.Add(handle);
            return handle.AddrOfPinnedObject();
        }

        public void Dispose()
        {
            foreach (var handle in _handles)
            {
                handle.Free();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct FftTables
    {
        public int N;
        public IntPtr Cos;
        public IntPtr Sin;
        public IntPtr BitReverse;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MfccTables
    {
        public FftTables Fft;
        public IntPtr Window;
        public IntPtr BinEdge;
        public IntPtr BinWeight;
        public IntPtr Dct;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MfccScratch
    {
        public IntPtr Frame;
        public IntPtr Re;
        public IntPtr Im;
        public IntPtr High;
        public IntPtr Low;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MfccState
    {
        public IntPtr Noise;
        public int NoiseStarted;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SpectralScratch
    {
        public IntPtr Frame;
        public IntPtr Re;
        public IntPtr Im;
        public IntPtr Sums;
        public IntPtr Features;
    }

    private static class Native
    {
        private const string Lib = NativeKernels.LibraryName;

        [DllImport(Lib, EntryPoint = "tml_mfcc_clip")]
        public static extern void MfccClip(int[] config, ref MfccTables tables, ref MfccScratch scratch, ref MfccState state, ref short pcm, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_mfcc_frame")]
        public static extern void MfccFrame(int[] config, ref MfccTables tables, ref MfccScratch scratch, ref MfccState state, ref short pcm, [Out] int[] q);

        [DllImport(Lib, EntryPoint = "tml_spectral")]
        public static extern void Spectral(int[] config, ref FftTables fft, int[] window, int[] binBand, int[] multipliers, int[] shifts, ref SpectralScratch scratch, ref short samples, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_fft_real")]
        public static extern void FftReal(ref FftTables fft, int[] x, [Out] int[] re, [Out] int[] im);

        [DllImport(Lib, EntryPoint = "tml_log2_fixed")]
        public static extern int Log2(long v, int frac);

        [DllImport(Lib, EntryPoint = "tml_sqrt_fixed")]
        public static extern long Sqrt(long v);
    }
}
