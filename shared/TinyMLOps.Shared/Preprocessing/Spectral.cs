using System;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Sensor windows (interleaved int16 channels, e.g. three accelerometer axes) to spectral features, in integers.
    /// Per channel: the mean removed, a periodic Hann window, a real <see cref="FixedFft"/>, the magnitudes |X[k]| / N of
    /// bins 1..N/2 summed in B bands (linear, or log-spaced: bin k in band floor(B log2 k / log2(N/2))), then the RMS
    /// and the peak |x - mean| of the window. Units are full scale (sample / 32768), divided by the channel's scale
    /// when the file gives one; the output is 1 x 1 x (channels · (B + 2)), channel by channel. Features are Q24.
    /// Allocation-free after construction.
    /// </summary>
    public sealed class Spectral : FrontEnd
    {
        public const int MaxChannels = 16;
        public const int MinSamples = 64;
        public const int MaxSamples = 1024;
        public const int MaxBands = 64;
        public const int SpacingLinear = 0;
        public const int SpacingLog = 1;

        /// <summary>Fraction bits of the features.</summary>
        public const int FeatureFracBits = 24;

        private readonly int[] _window;
        private readonly int[] _binBand;
        private readonly int _log2N;
        private readonly int _headroomShift;
        private readonly FixedFft _fft;
        private readonly int[] _frame;
        private readonly int[] _re;
        private readonly int[] _im;
        private readonly long[] _bandSum;
        private readonly int[] _features;
        private readonly int[] _multipliers;
        private readonly int[] _shifts;
        private readonly int[] _call;

        public Spectral(int channels, int samples, int bands, int spacing, float[] scales)
        {
            if (channels < 1 || channels > MaxChannels)
            {
                throw new ModelFormatException("spectral front-end: " + channels + " channels, expected 1 to " + MaxChannels);
            }

            if (samples < MinSamples || samples > MaxSamples || (samples & (samples - 1)) != 0)
            {
                throw new ModelFormatException("spectral front-end: window of " + samples + " samples is not a power of two from " + MinSamples + " to " + MaxSamples);
            }

            if (bands < 1 || bands > MaxBands || bands > samples / 2)
            {
                throw new ModelFormatException("spectral front-end: " + bands + " bands, expected 1 to " + MaxBands + " and at most half the window");
            }

            if (spacing != SpacingLinear && spacing != SpacingLog)
            {
                throw new ModelFormatException("spectral front-end: band spacing " + spacing + ", expected 0 (linear) or 1 (log)");
            }

            if (scales != null)
            {
                if (scales.Length != channels)
                {
                    throw new ModelFormatException("spectral front-end: " + scales.Length + " channel scales for " + channels + " channels");
                }

                for (int c = 0; c < channels; c++)
                {
                    if (!(scales[c] > 0) || float.IsInfinity(scales[c]))
                    {
                        throw new ModelFormatException("spectral front-end: channel " + c + " needs a finite positive scale");
                    }
                }
            }

            Channels = channels;
            Samples = samples;
            Bands = bands;
            Spacing = spacing;
            Scales = scales;

            int log2N = 0;
            while ((1 << log2N) < samples)
            {
                log2N++;
            }

            _log2N = log2N;

            // |x - mean| < 2^16; Σ|windowed| ≤ 2^(16 + h) N / 2 stays below 2^30 for h = 14 - log2 N.
            _headroomShift = 14 - log2N;

            _window = new int[samples];
            for (int t = 0; t < samples; t++)
            {
                // Q30, as in Mfcc: a Q15 window's rounding noise would show in the quiet bands.
                _window[t] = (int)(((1L << 30) - FixedMath.CosTurnQ30(t, samples) + 1) >> 1);
            }

            int half = samples / 2;
            _binBand = new int[half + 1];
            int[] count = new int[bands];
            int log2Half = FixedMath.Log2(half, 24);
            for (int k = 1; k <= half; k++)
            {
                long b = spacing == SpacingLinear ? (long)(k - 1) * bands / half : (long)bands * FixedMath.Log2(k, 24) / log2Half;
                int band = b >= bands ? bands - 1 : (int)b;
                _binBand[k] = band;
                count[band]++;
            }

            for (int b = 0; b < bands; b++)
            {
                if (count[b] == 0)
                {
                    throw new ModelFormatException("spectral front-end: band " + b + " of " + bands + " has no FFT bin; use fewer bands, a longer window or linear spacing");
                }
            }

            _fft = new FixedFft(samples);
            _frame = new int[samples];
            _re = new int[half + 1];
            _im = new int[half + 1];
            _bandSum = new long[bands];
            _features = new int[channels * (bands + 2)];
            _multipliers = new int[channels];
            _shifts = new int[channels];

            // The backend's call descriptor: tml_spectral_config's fields in order; the zero point is set per call.
            _call = new int[] { channels, log2N, bands, 0 };
            Backend = FrontEndBackends.Default;
        }

        /// <summary>Where ProcessSamples runs when it does not decline (the firmware's C library); null: the C# code.</summary>
        public IFrontEndBackend Backend { get; set; }

        public int Channels { get; private set; }

        /// <summary>Samples per channel in one window.</summary>
        public int Samples { get; private set; }

        public int Bands { get; private set; }

        /// <summary><see cref="SpacingLinear"/> or <see cref="SpacingLog"/>.</summary>
        public int Spacing { get; private set; }

        /// <summary>Per-channel divisors (null: none), applied to every feature of the channel.</summary>
        public float[] Scales { get; private set; }

        /// <summary>The band of FFT bin k (1..N/2).</summary>
        public int BandOf(int k)
        {
            return _binBand[k];
        }

        /// <summary>Bytes held after construction: tables, FFT and buffers.</summary>
        public override int RawSamples
        {
            get { return Channels * Samples; }
        }

        public int MemoryBytes
        {
            get { return (4 * (_window.Length + _binBand.Length + _frame.Length + _re.Length + _im.Length + _features.Length + (2 * Channels))) + (8 * Bands) + _fft.TableBytes; }
        }

        public override int Kind
        {
            get { return KindSpectral; }
        }

        public override string Name
        {
            get { return "spectral"; }
        }

        public override int OutH
        {
            get { return 1; }
        }

        public override int OutW
        {
            get { return 1; }
        }

        public override int OutC
        {
            get { return Channels * (Bands + 2); }
        }

        /// <summary>
        /// The Q24 features of one window (Channels · Samples interleaved int16 at samples[offset]) into q: per channel
        /// B band sums, the RMS and the peak, before the channel scale.
        /// </summary>
        public void Features(short[] samples, int offset, int[] q)
        {
            int n = Samples;
            int channels = Channels;
            int bands = Bands;
            int half = n / 2;
            int[] frame = _frame;
            int[] window = _window;
            int[] re = _re;
            int[] im = _im;
            long[] sums = _bandSum;
            int[] binBand = _binBand;
            int down = 30 - _headroomShift;
            long round = 1L << (down - 1);
            for (int c = 0; c < channels; c++)
            {
                long total = 0;
                int at = offset + c;
                for (int t = 0; t < n; t++)
                {
                    total += samples[at];
                    at += channels;
                }

                // The mean rounded to an integer (ties up), as a floor shift: N is a power of two.
                int mean = (int)((total + (n >> 1)) >> _log2N);
                long squares = 0;
                int peak = 0;
                at = offset + c;
                for (int t = 0; t < n; t++)
                {
                    int d = samples[at] - mean;
                    at += channels;
                    squares += (long)d * d;
                    int a = d < 0 ? -d : d;
                    if (a > peak)
                    {
                        peak = a;
                    }

                    frame[t] = (int)((((long)d * window[t]) + round) >> down);
                }

                _fft.Forward(frame, 0, re, im);
                for (int b = 0; b < bands; b++)
                {
                    sums[b] = 0;
                }

                for (int k = 1; k <= half; k++)
                {
                    sums[binBand[k]] += FixedMath.Sqrt(((long)re[k] * re[k]) + ((long)im[k] * im[k]));
                }

                // Magnitudes are (float |X| · 32768 · 2^h); the feature is |X| / N in Q24: a shift by log2 N + 15 + h - 24.
                int magShift = _log2N + 15 + _headroomShift - FeatureFracBits;
                int o = c * (bands + 2);
                for (int b = 0; b < bands; b++)
                {
                    q[o + b] = (int)((sums[b] + (1L << (magShift - 1))) >> magShift);
                }

                // RMS: √(Σd² / N) / 32768 in Q24 = √(Σd² · 2^18 / N).
                q[o + bands] = (int)FixedMath.Sqrt((squares << 18) >> _log2N);
                q[o + bands + 1] = peak << (FeatureFracBits - 15);
            }
        }

        /// <summary>One window to the model's int8 input: the features divided by the channel scales and quantized.</summary>
        public override void ProcessSamples(short[] samples, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            if (!(inputScale > 0) || float.IsInfinity(inputScale))
            {
                throw new ArgumentException("the input scale must be finite and positive");
            }

            int channels = Channels;
            for (int c = 0; c < channels; c++)
            {
                double scale = Scales == null ? 1.0 : Scales[c];
                QuantMath.QuantizeMultiplier(1.0 / (16777216.0 * scale * inputScale), out _multipliers[c], out _shifts[c]);
            }

            IFrontEndBackend backend = Backend;
            if (backend != null)
            {
                _call[3] = inputZeroPoint;
                if (backend.Spectral(_call, _window, _binBand, _fft.Cos, _fft.Sin, _fft.BitReverse, _multipliers, _shifts, _frame, _re, _im, _bandSum, _features, samples, offset, output, outputOffset))
                {
                    return;
                }
            }

            int[] q = _features;
            Features(samples, offset, q);
            int per = Bands + 2;
            int i = 0;
            for (int c = 0; c < channels; c++)
            {
                int multiplier = _multipliers[c];
                int shift = _shifts[c];
                for (int f = 0; f < per; f++)
                {
                    output[outputOffset + i] = (sbyte)QuantMath.ClampInt8(QuantMath.MultiplyByQuantizedMultiplier(q[i], multiplier, shift) + inputZeroPoint);
                    i++;
                }
            }
        }

        public override void WriteParams(ByteWriter w)
        {
            w.WriteU8(Channels);
            w.WriteU16(Samples);
            w.WriteU8(Bands);
            w.WriteU8(Spacing);
            w.WriteU8(Scales == null ? 0 : 1);
            if (Scales != null)
            {
                for (int c = 0; c < Channels; c++)
                {
                    w.WriteF32(Scales[c]);
                }
            }
        }

        public override string Describe()
        {
            return "spectral: " + Channels + " channels x " + Samples + " samples, " + Bands + (Spacing == SpacingLog ? " log" : " linear") + " bands + RMS + peak" + (Scales != null ? ", per-channel scales" : "");
        }

        internal static Spectral Read(ByteReader r)
        {
            int channels = r.ReadU8("spectral channels");
            int samples = r.ReadU16("spectral window");
            int bands = r.ReadU8("spectral bands");
            int spacing = r.ReadU8("spectral band spacing");
            int scaled = r.ReadU8("spectral scale flag");
            if (scaled > 1)
            {
                throw new ModelFormatException("spectral front-end: scale flag " + scaled + ", expected 0 or 1");
            }

            float[] scales = null;
            if (scaled == 1)
            {
                if (channels > MaxChannels)
                {
                    throw new ModelFormatException("spectral front-end: " + channels + " channels, expected 1 to " + MaxChannels);
                }

                r.Require(channels * 4, "spectral channel scales");
                scales = new float[channels];
                for (int c = 0; c < channels; c++)
                {
                    scales[c] = r.ReadF32("spectral channel scale");
                }
            }

            return new Spectral(channels, samples, bands, spacing, scales);
        }
    }
}
