using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Audio (16-bit PCM) to MFCCs, in integers: per frame a periodic Hann window (Q30, the frame scaled by its own power
    /// of two, the largest that cannot overflow), a real <see cref="FixedFft"/>, the power spectrum, triangular mel
    /// filters (HTK mel, 1 + f/700, triangles in mel space), optionally a per-band noise floor subtracted, log2 by
    /// squaring (energies floored at 2^-30), and an orthonormal DCT-II with ln 2 folded in. The output is
    /// Frames x Coefficients x 1; features are Q16 (coefficient · 65536) in the units of the float reference
    /// (samples in [-1, 1), natural log), so the host trains on MfccReference and the device gets the same numbers
    /// within the documented tolerance. Every table comes from <see cref="FixedMath"/>: the same bytes on every runtime.
    /// Allocation-free after construction; one instance per stream (the noise floor and the buffers are state).
    /// </summary>
    public sealed class Mfcc : FrontEnd
    {
        public const int MinSampleRate = 4000;
        public const int MaxSampleRate = 48000;
        public const int MinFftSize = 64;
        public const int MaxFftSize = 1024;
        public const int MaxMelBands = 128;
        public const int MaxNoiseShift = 15;

        /// <summary>Fraction bits of the features.</summary>
        public const int FeatureFracBits = 16;

        /// <summary>Mel energies below 2^-30 (float units) count as 2^-30: the log of silence is finite.</summary>
        public const int LogFloorLog2 = -30;

        private const int LogFracBits = 16;

        private const long OneQ30L = 1L << 30;

        // The largest block exponent (silence and very quiet frames): 2h - 1 is the floor's bit, well inside a long.
        private const int MaxHeadroom = 24;

        // Noise reduction's common exponent: float energies (at most N · 3L/8 < 2^19 through the window) times 2^43 fit a
        // long, and the floor is 2^13 units.
        private const int NoiseExponent = 43;

        private readonly int[] _window;
        private readonly int _firstBin;
        private readonly int _lastBin;
        private readonly int[] _binEdge;
        private readonly int[] _binWeight;
        private readonly int[] _dct;
        private readonly int _log2N;
        private readonly FixedFft _fft;
        private readonly int[] _frame;
        private readonly int[] _re;
        private readonly int[] _im;
        private readonly long[] _energyHigh;
        private readonly long[] _energyLow;
        private readonly int[] _logMel;
        private readonly long[] _noise;
        private readonly int[] _coefficients;
        private readonly int[] _call;
        private bool _noiseStarted;

        public Mfcc(int sampleRate, int frameLength, int stride, int fftSize, int frames, int melBands, int coefficients, int lowHz, int highHz, int noiseShift)
        {
            if (sampleRate < MinSampleRate || sampleRate > MaxSampleRate)
            {
                throw new ModelFormatException("mfcc front-end: sample rate " + sampleRate + " Hz, expected " + MinSampleRate + " to " + MaxSampleRate);
            }

            if (fftSize < MinFftSize || fftSize > MaxFftSize || (fftSize & (fftSize - 1)) != 0)
            {
                throw new ModelFormatException("mfcc front-end: FFT size " + fftSize + " is not a power of two from " + MinFftSize + " to " + MaxFftSize);
            }

            if (frameLength > fftSize || frameLength * 2 <= fftSize)
            {
                throw new ModelFormatException("mfcc front-end: frame length " + frameLength + " needs an FFT size from it to twice it (the FFT size is " + fftSize + ")");
            }

            if (stride < 1 || stride > 65535)
            {
                throw new ModelFormatException("mfcc front-end: stride " + stride + ", expected 1 to 65535 samples");
            }

            if (frames < 1 || frames > Operator.MaxDimension)
            {
                throw new ModelFormatException("mfcc front-end: " + frames + " frames, expected 1 to " + Operator.MaxDimension);
            }

            if (melBands < 1 || melBands > MaxMelBands || melBands > fftSize / 2)
            {
                throw new ModelFormatException("mfcc front-end: " + melBands + " mel bands, expected 1 to " + MaxMelBands + " and at most half the FFT size");
            }

            if (coefficients < 1 || coefficients > melBands)
            {
                throw new ModelFormatException("mfcc front-end: " + coefficients + " coefficients, expected 1 to the number of mel bands (" + melBands + ")");
            }

            if (lowHz < 0 || highHz <= lowHz || highHz * 2 > sampleRate)
            {
                throw new ModelFormatException("mfcc front-end: band " + lowHz + "-" + highHz + " Hz, expected 0 <= low < high <= half the sample rate (" + (sampleRate / 2) + ")");
            }

            if (noiseShift < 0 || noiseShift > MaxNoiseShift)
            {
                throw new ModelFormatException("mfcc front-end: noise reduction shift " + noiseShift + ", expected 0 (off) to " + MaxNoiseShift);
            }

            SampleRate = sampleRate;
            FrameLength = frameLength;
            Stride = stride;
            FftSize = fftSize;
            Frames = frames;
            MelBands = melBands;
            Coefficients = coefficients;
            LowHz = lowHz;
            HighHz = highHz;
            NoiseShift = noiseShift;

            int log2N = 0;
            while ((1 << log2N) < fftSize)
            {
                log2N++;
            }

            _log2N = log2N;

            _window = new int[frameLength];
            for (int t = 0; t < frameLength; t++)
            {
                // 0.5 - 0.5 cos(2πt/L) in Q30: a Q15 window's rounding noise would sit above a loud tone's leakage.
                _window[t] = (int)((OneQ30L - FixedMath.CosTurnQ30(t, frameLength) + 1) >> 1);
            }

            // Mel in log2(1 + f/700) units (the constant 1127 ln 2 cancels in the triangles): λ(f) = log2(700 N + f N),
            // bin k at f = k · rate / N, band edges evenly spaced in λ from low to high.
            int bins = (fftSize / 2) + 1;
            long baseN = 700L * fftSize;
            long lambdaLow = FixedMath.Log2(baseN + ((long)lowHz * fftSize), 24);
            long lambdaHigh = FixedMath.Log2(baseN + ((long)highHz * fftSize), 24);
            long[] edges = new long[melBands + 2];
            for (int i = 0; i <= melBands + 1; i++)
            {
                edges[i] = lambdaLow + ((lambdaHigh - lambdaLow) * i / (melBands + 1));
            }

            _binEdge = new int[bins];
            _binWeight = new int[bins];
            long[] bandWeight = new long[melBands];
            int first = -1;
            int last = -2;
            for (int k = 0; k < bins; k++)
            {
                _binEdge[k] = -1;
                long f = (long)k * sampleRate;
                if (f <= (long)lowHz * fftSize || f >= (long)highHz * fftSize)
                {
                    continue;
                }

                long lambda = FixedMath.Log2(baseN + f, 24);
                int j = 0;
                while (j < melBands && lambda >= edges[j + 1])
                {
                    j++;
                }

                long width = edges[j + 1] - edges[j];
                int t = width <= 0 ? 0 : (int)((((lambda - edges[j]) << 15) + (width / 2)) / width);
                t = t < 0 ? 0 : (t > 32768 ? 32768 : t);
                _binEdge[k] = j;
                _binWeight[k] = t;
                if (j < melBands)
                {
                    bandWeight[j] += t;
                }

                if (j > 0)
                {
                    bandWeight[j - 1] += 32768 - t;
                }

                if (first < 0)
                {
                    first = k;
                }

                last = k;
            }

            for (int b = 0; b < melBands; b++)
            {
                if (bandWeight[b] == 0)
                {
                    throw new ModelFormatException("mfcc front-end: mel band " + b + " of " + melBands + " has no FFT bin between " + lowHz + " and " + highHz + " Hz; use fewer bands, a larger FFT or a wider range");
                }
            }

            _firstBin = first;
            _lastBin = last;

            // Orthonormal DCT-II with ln 2 folded in (the log is log2): s_j ln2 cos(π j (2m + 1) / 2B), Q30.
            _dct = new int[coefficients * melBands];
            long s0 = FixedMath.Sqrt((1L << 60) / melBands);
            long sj = FixedMath.Sqrt((2L << 60) / melBands);
            for (int j = 0; j < coefficients; j++)
            {
                long scale = FixedMath.MulQ30(j == 0 ? s0 : sj, FixedMath.Ln2Q30);
                for (int m = 0; m < melBands; m++)
                {
                    _dct[(j * melBands) + m] = (int)FixedMath.MulQ30(scale, FixedMath.CosTurnQ30((long)j * ((2 * m) + 1), 4L * melBands));
                }
            }

            _fft = new FixedFft(fftSize);
            _frame = new int[fftSize];
            _re = new int[bins];
            _im = new int[bins];
            _energyHigh = new long[melBands];
            _energyLow = new long[melBands];
            _logMel = new int[melBands];
            _noise = new long[melBands];
            _coefficients = new int[coefficients];

            // The backend's call descriptor: tml_mfcc_config's fields in order; the last three are set per call.
            _call = new int[] { frameLength, stride, frames, melBands, coefficients, first, last, log2N, noiseShift, 0, 0, 0 };
            Backend = FrontEndBackends.Default;
        }

        /// <summary>Where ProcessSamples runs when it does not decline (the firmware's C library); null: the C# code.</summary>
        public IFrontEndBackend Backend { get; set; }

        public int SampleRate { get; private set; }

        public int FrameLength { get; private set; }

        public int Stride { get; private set; }

        public int FftSize { get; private set; }

        public int Frames { get; private set; }

        public int MelBands { get; private set; }

        public int Coefficients { get; private set; }

        public int LowHz { get; private set; }

        public int HighHz { get; private set; }

        /// <summary>0: no noise reduction; s: the noise floor follows rising energy by 1/2^s per frame (falls at once).</summary>
        public int NoiseShift { get; private set; }

        /// <summary>Samples of one clip: the first frame and every stride after it.</summary>
        public override int RawSamples
        {
            get { return ClipSamples; }
        }

        public int ClipSamples
        {
            get { return FrameLength + ((Frames - 1) * Stride); }
        }

        /// <summary>Bytes held after construction: tables, FFT and buffers.</summary>
        public int MemoryBytes
        {
            get { return (4 * (_window.Length + _binEdge.Length + _binWeight.Length + _dct.Length + _frame.Length + _re.Length + _im.Length + _logMel.Length + _coefficients.Length)) + (8 * 3 * MelBands) + _fft.TableBytes; }
        }

        public override int Kind
        {
            get { return KindMfcc; }
        }

        public override string Name
        {
            get { return "mfcc"; }
        }

        public override int OutH
        {
            get { return Frames; }
        }

        public override int OutW
        {
            get { return Coefficients; }
        }

        public override int OutC
        {
            get { return 1; }
        }

        /// <summary>Forgets the noise floor: the next frame starts a new stream.</summary>
        public void Reset()
        {
            _noiseStarted = false;
        }

        /// <summary>The Q16 MFCCs of one clip (Frames x Coefficients, frame by frame) from ClipSamples samples at pcm[offset].</summary>
        public void Features(short[] pcm, int offset, int[] q)
        {
            Reset();
            for (int f = 0; f < Frames; f++)
            {
                PushFrame(pcm, offset + (f * Stride), q, f * Coefficients);
            }
        }

        /// <summary>One clip to the model's int8 input (Frames x Coefficients), quantized with its scale and zero point.</summary>
        public override void ProcessSamples(short[] pcm, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            int multiplier;
            int shift;
            OutputMultiplier(inputScale, out multiplier, out shift);
            Reset();
            IFrontEndBackend backend = Backend;
            if (backend != null)
            {
                int[] call = _call;
                call[9] = multiplier;
                call[10] = shift;
                call[11] = inputZeroPoint;
                if (backend.Mfcc(call, _window, _binEdge, _binWeight, _dct, _fft.Cos, _fft.Sin, _fft.BitReverse, _noise, _frame, _re, _im, _energyHigh, _energyLow, pcm, offset, output, outputOffset))
                {
                    _noiseStarted = true;
                    return;
                }
            }

            int c = Coefficients;
            for (int f = 0; f < Frames; f++)
            {
                PushFrame(pcm, offset + (f * Stride), _coefficients, 0);
                Quantize(_coefficients, output, outputOffset + (f * c), multiplier, shift, inputZeroPoint);
            }
        }

        /// <summary>Streaming: the quantized MFCCs of the frame of FrameLength samples at pcm[offset] (the caller keeps the overlap).</summary>
        public void PushFrame(short[] pcm, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            int multiplier;
            int shift;
            OutputMultiplier(inputScale, out multiplier, out shift);
            PushFrame(pcm, offset, _coefficients, 0);
            Quantize(_coefficients, output, outputOffset, multiplier, shift, inputZeroPoint);
        }

        /// <summary>Streaming: the Q16 MFCCs of the frame at pcm[offset] into q[qOffset ..].</summary>
        public void PushFrame(short[] pcm, int offset, int[] q, int qOffset)
        {
            int n = FftSize;
            int length = FrameLength;
            int[] frame = _frame;
            int[] window = _window;
            int h = Headroom(pcm, offset);
            int down = 30 - h;
            long round = 1L << (down - 1);
            for (int t = 0; t < length; t++)
            {
                frame[t] = (int)((((long)pcm[offset + t] * window[t]) + round) >> down);
            }

            for (int t = length; t < n; t++)
            {
                frame[t] = 0;
            }

            int[] re = _re;
            int[] im = _im;
            _fft.Forward(frame, 0, re, im);

            // Power in two halves so that Σ P · w (Q15) fits a long without dropping the low bits of quiet bins.
            int bands = MelBands;
            long[] high = _energyHigh;
            long[] low = _energyLow;
            for (int b = 0; b < bands; b++)
            {
                high[b] = 0;
                low[b] = 0;
            }

            int[] edge = _binEdge;
            int[] weight = _binWeight;
            for (int k = _firstBin; k <= _lastBin; k++)
            {
                int j = edge[k];
                if (j < 0)
                {
                    continue;
                }

                long p = ((long)re[k] * re[k]) + ((long)im[k] * im[k]);
                long ph = p >> 16;
                long pl = p & 0xFFFF;
                int w = weight[k];
                if (j < bands)
                {
                    high[j] += ph * w;
                    low[j] += pl * w;
                }

                if (j > 0)
                {
                    high[j - 1] += ph * (32768 - w);
                    low[j - 1] += pl * (32768 - w);
                }
            }

            // Energies are float energy · 2^e, e = 29 + 2h; the floor 2^-30 is 2^(e - 30). The noise floor outlives the
            // frame, so with noise reduction every frame's energies move to one exponent first.
            int noiseShift = NoiseShift;
            int exponent = noiseShift > 0 ? NoiseExponent : 29 + (2 * h);
            int toNoise = (29 + (2 * h)) - NoiseExponent;
            long floor = 1L << (exponent - 30);
            int offsetQ = exponent << LogFracBits;
            long[] noise = _noise;
            int[] logMel = _logMel;
            for (int b = 0; b < bands; b++)
            {
                long e = high[b] + (low[b] >> 16);
                if (noiseShift > 0)
                {
                    e = toNoise >= 0 ? e >> toNoise : e << -toNoise;
                    if (!_noiseStarted || e < noise[b])
                    {
                        noise[b] = e;
                    }
                    else
                    {
                        noise[b] += (e - noise[b]) >> noiseShift;
                    }

                    // Keep at least 1/16 of the energy: a band never drops to the floor because it is stationary.
                    long clean = e - noise[b];
                    long keep = e >> 4;
                    e = clean > keep ? clean : keep;
                }

                logMel[b] = FixedMath.Log2(e > floor ? e : floor, LogFracBits) - offsetQ;
            }

            _noiseStarted = true;

            int[] dct = _dct;
            int coefficients = Coefficients;
            int row = 0;
            for (int j = 0; j < coefficients; j++)
            {
                long sum = 0;
                for (int m = 0; m < bands; m++)
                {
                    sum += (long)logMel[m] * dct[row + m];
                }

                q[qOffset + j] = (int)((sum + (1L << 29)) >> 30);
                row += bands;
            }
        }

        /// <summary>
        /// The frame's block exponent h: windowed samples are sample · window · 2^h. As large as the bounds allow, so that
        /// a quiet frame keeps its precision through the FFT: Σ|x| ≤ 2^30 (FixedFft) and N Σx² &lt; 2^62 (the mel sums).
        /// </summary>
        private int Headroom(short[] pcm, int offset)
        {
            long abs = 0;
            long squares = 0;
            int end = offset + FrameLength;
            for (int t = offset; t < end; t++)
            {
                int x = pcm[t];
                abs += x < 0 ? -x : x;
                squares += (long)x * x;
            }

            int h = MaxHeadroom;
            long squareLimit = (1L << 62) >> _log2N;
            while (h > 0 && ((abs << h) > FixedFft.MaxAbsSum || (squares << (2 * h)) >= squareLimit))
            {
                h--;
            }

            return h;
        }

        public override void WriteParams(ByteWriter w)
        {
            w.WriteU16(SampleRate);
            w.WriteU16(FrameLength);
            w.WriteU16(Stride);
            w.WriteU16(FftSize);
            w.WriteU16(Frames);
            w.WriteU8(MelBands);
            w.WriteU8(Coefficients);
            w.WriteU16(LowHz);
            w.WriteU16(HighHz);
            w.WriteU8(NoiseShift);
        }

        public override string Describe()
        {
            return "mfcc: " + SampleRate + " Hz, " + Frames + " frames of " + FrameLength + " samples every " + Stride + ", FFT " + FftSize + ", " + MelBands + " mel bands " + LowHz + "-" + HighHz + " Hz, " + Coefficients + " coefficients" + (NoiseShift > 0 ? ", noise reduction 1/2^" + NoiseShift : "");
        }

        internal static Mfcc Read(ByteReader r)
        {
            int sampleRate = r.ReadU16("mfcc sample rate");
            int frameLength = r.ReadU16("mfcc frame length");
            int stride = r.ReadU16("mfcc stride");
            int fftSize = r.ReadU16("mfcc FFT size");
            int frames = r.ReadU16("mfcc frames");
            int melBands = r.ReadU8("mfcc mel bands");
            int coefficients = r.ReadU8("mfcc coefficients");
            int lowHz = r.ReadU16("mfcc low frequency");
            int highHz = r.ReadU16("mfcc high frequency");
            int noiseShift = r.ReadU8("mfcc noise reduction");
            return new Mfcc(sampleRate, frameLength, stride, fftSize, frames, melBands, coefficients, lowHz, highHz, noiseShift);
        }

        /// <summary>Q16 feature to int8: round(v / 2^16 / scale) in one QuantMath multiplication.</summary>
        internal static void OutputMultiplier(float inputScale, out int multiplier, out int shift)
        {
            if (!(inputScale > 0) || float.IsInfinity(inputScale))
            {
                throw new ArgumentException("the input scale must be finite and positive");
            }

            QuantMath.QuantizeMultiplier(1.0 / (65536.0 * inputScale), out multiplier, out shift);
        }

        private static void Quantize(int[] features, sbyte[] output, int outputOffset, int multiplier, int shift, int zeroPoint)
        {
            for (int i = 0; i < features.Length; i++)
            {
                output[outputOffset + i] = (sbyte)QuantMath.ClampInt8(QuantMath.MultiplyByQuantizedMultiplier(features[i], multiplier, shift) + zeroPoint);
            }
        }
    }
}
