using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.NativeKernels;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.NativeKernels.NanoTests
{
    /// <summary>
    /// The MFCC and spectral front-ends through the interop assembly. On the native nanoCLR a front-end built with the
    /// native backend must give the C# front-end's bytes and leave its noise floor; a spoilt argument must throw and
    /// write nothing. On the stock nanoCLR the backend is absent and the front-ends run in C#. The lines printed are
    /// checked per runner by the xunit side (NativeKernelNanoClrTests).
    /// </summary>
    [TestClass]
    public class NativeFrontEndTests
    {
        private const string Absent = "native front-ends: absent";
        private const sbyte Untouched = 55;

        [TestMethod]
        public void Install_sets_the_front_end_backend_with_the_kernel_backend()
        {
            string name = NativeKernelBackend.Install();
            bool native = name == "native";
            Assert.AreEqual(native, FrontEndBackends.Default != null, "front-end backend installed with the kernels");
            Assert.AreEqual(native, NativeFrontEndBackend.TryCreate() != null, "TryCreate agrees");
            Mfcc mfcc = Small(0);
            Assert.AreEqual(native ? "native" : "managed", mfcc.Backend == null ? "managed" : mfcc.Backend.Name, "a front-end built after Install");
            if (!native)
            {
                // The C# front-end runs: the clip is quantized all the same.
                sbyte[] output = Fill(mfcc.OutH * mfcc.OutW * mfcc.OutC);
                mfcc.ProcessSamples(Signal(mfcc.ClipSamples, 8), 0, output, 0, 0.05f, -3);
                Console.WriteLine(Absent);
            }

            Console.WriteLine("front-end backend: " + (FrontEndBackends.Default == null ? "managed" : FrontEndBackends.Default.Name));
            KernelBackends.Default = null;
            FrontEndBackends.Default = null;
        }

        [TestMethod]
        public void Native_and_csharp_front_ends_give_the_same_bytes_and_leave_the_same_noise_floor()
        {
            IFrontEndBackend native = NativeFrontEndBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            int clips = 0;
            // The keyword front-end (16 kHz, 49 frames of 640, FFT 1024, 40 bands, 10 coefficients), with and without
            // noise reduction, and a small one; two clips in a row at odd offsets, the floor restarting each time.
            int[] noiseShifts = { 4, 0 };
            for (int s = 0; s < noiseShifts.Length; s++)
            {
                clips += SameMfcc(native, Keyword(noiseShifts[s], native), Keyword(noiseShifts[s], null), 1 + s);
            }

            clips += SameMfcc(native, Built(Small(3), native), Small(3), 5);
            Spectral managed = new Spectral(3, 512, 8, Spectral.SpacingLog, new float[] { 0.5f, 1.25f, 3f });
            Spectral fast = new Spectral(3, 512, 8, Spectral.SpacingLog, new float[] { 0.5f, 1.25f, 3f });
            fast.Backend = native;
            clips += SameSpectral(fast, managed, 6);
            managed = new Spectral(1, 64, 4, Spectral.SpacingLinear, null);
            fast = new Spectral(1, 64, 4, Spectral.SpacingLinear, null);
            fast.Backend = native;
            clips += SameSpectral(fast, managed, 7);
            Console.WriteLine("native front-ends: " + clips + " clips and windows byte-identical, noise floors equal");
        }

        [TestMethod]
        public void A_front_end_argument_that_does_not_fit_throws_and_writes_nothing()
        {
            IFrontEndBackend native = NativeFrontEndBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            // The C# front-end runs once and lends its arrays; each case then spoils one of them.
            Mfcc mfcc = Small(2);
            RecordingFrontEndBackend m = new RecordingFrontEndBackend();
            mfcc.Backend = m;
            short[] pcm = Signal(mfcc.ClipSamples, 9);
            int count = mfcc.OutH * mfcc.OutW * mfcc.OutC;
            mfcc.ProcessSamples(pcm, 0, Fill(count), 0, 0.05f, 0);
            long[] floor = Copy(m.Noise);
            int bands = m.Call[3];
            int half = m.FftCos.Length;
            int cases = 0;
            for (int k = 0; k < 15; k++)
            {
                int[] call = Copy(m.Call);
                short[] raw = pcm;
                int offset = 0;
                int outputOffset = 0;
                long[] noise = m.Noise;
                int[] binEdge = m.BinEdge;
                int[] bitReverse = m.FftBitReverse;
                int[] frame = m.Frame;
                int[] dct = m.Dct;
                switch (k)
                {
                    case 0: raw = new short[pcm.Length - 1]; break;
                    case 1: offset = 1; break;
                    case 2: offset = -1; break;
                    case 3: outputOffset = 1; break;
                    case 4: noise = new long[bands - 1]; break;
                    case 5: call[2]++; break;
                    case 6: call[7] = 11; break;
                    case 7: binEdge = Copy(m.BinEdge); binEdge[call[6]] = bands + 1; break;
                    case 8: bitReverse = Copy(m.FftBitReverse); bitReverse[1] = half; break;
                    case 9: frame = null; break;
                    case 10: call[1] = int.MaxValue; call[2] = 2; break;
                    case 11: call = new int[11]; break;
                    case 12: dct = new int[m.Dct.Length - 1]; break;
                    case 13: call[11] = int.MaxValue; break;
                    default: call[4] = bands + 1; break;
                }

                sbyte[] output = Fill(count);
                bool threw = false;
                try
                {
                    native.Mfcc(call, m.Window, binEdge, m.BinWeight, dct, m.FftCos, m.FftSin, bitReverse, noise, frame, m.Re, m.Im, m.High, m.Low, raw, offset, output, outputOffset);
                }
                catch (Exception)
                {
                    threw = true;
                }

                Assert.IsTrue(threw, "mfcc case " + k + " did not throw");
                Unwritten(output, "mfcc case " + k);
                for (int b = 0; b < floor.Length; b++)
                {
                    Assert.AreEqual(floor[b], m.Noise[b], "mfcc case " + k + ": noise floor written at band " + b);
                }

                cases++;
            }

            // In range the same arrays run: the failures were the spoilt arguments'.
            sbyte[] good = Fill(count);
            Assert.IsTrue(native.Mfcc(m.Call, m.Window, m.BinEdge, m.BinWeight, m.Dct, m.FftCos, m.FftSin, m.FftBitReverse, m.Noise, m.Frame, m.Re, m.Im, m.High, m.Low, pcm, 0, good, 0), "mfcc in range");
            Assert.IsTrue(Written(good), "mfcc in range wrote nothing");

            Spectral spectral = new Spectral(2, 128, 6, Spectral.SpacingLinear, null);
            RecordingFrontEndBackend s = new RecordingFrontEndBackend();
            spectral.Backend = s;
            short[] samples = Signal(spectral.RawSamples, 10);
            int features = spectral.OutH * spectral.OutW * spectral.OutC;
            spectral.ProcessSamples(samples, 0, Fill(features), 0, 0.1f, 0);
            for (int k = 0; k < 8; k++)
            {
                int[] call = Copy(s.Call);
                short[] raw = samples;
                int outputOffset = 0;
                int[] binBand = s.BinBand;
                int[] multipliers = s.Multipliers;
                int[] scratch = s.Features;
                switch (k)
                {
                    case 0: raw = new short[samples.Length - 1]; break;
                    case 1: call[0] = 0; break;
                    case 2: binBand = Copy(s.BinBand); binBand[binBand.Length - 1] = call[2]; break;
                    case 3: multipliers = new int[call[0] - 1]; break;
                    case 4: scratch = new int[s.Features.Length - 1]; break;
                    case 5: outputOffset = 1; break;
                    case 6: call[3] = 128; break;
                    default: call[1] = 5; break;
                }

                sbyte[] output = Fill(features);
                bool threw = false;
                try
                {
                    native.Spectral(call, s.Window, binBand, s.FftCos, s.FftSin, s.FftBitReverse, multipliers, s.Shifts, s.Frame, s.Re, s.Im, s.Sums, scratch, raw, 0, output, outputOffset);
                }
                catch (Exception)
                {
                    threw = true;
                }

                Assert.IsTrue(threw, "spectral case " + k + " did not throw");
                Unwritten(output, "spectral case " + k);
                cases++;
            }

            good = Fill(features);
            Assert.IsTrue(native.Spectral(s.Call, s.Window, s.BinBand, s.FftCos, s.FftSin, s.FftBitReverse, s.Multipliers, s.Shifts, s.Frame, s.Re, s.Im, s.Sums, s.Features, samples, 0, good, 0), "spectral in range");
            Assert.IsTrue(Written(good), "spectral in range wrote nothing");
            Console.WriteLine("native front-ends: " + cases + " spoilt arguments thrown, nothing written");
        }

        [TestMethod]
        public void Native_front_ends_time_per_clip()
        {
            IFrontEndBackend native = NativeFrontEndBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            Mfcc fastMfcc = Keyword(4, native);
            Mfcc managedMfcc = Keyword(4, null);
            Time("mfcc keyword clip (49 frames of 640, FFT 1024, 40 bands, 10 coefficients)", fastMfcc, managedMfcc, fastMfcc.OutH * fastMfcc.OutW * fastMfcc.OutC, 1, 5);
            Spectral fastSpectral = new Spectral(3, 512, 8, Spectral.SpacingLog, null);
            fastSpectral.Backend = native;
            Spectral managedSpectral = new Spectral(3, 512, 8, Spectral.SpacingLog, null);
            Time("spectral window (3 x 512, 8 log bands)", fastSpectral, managedSpectral, fastSpectral.OutH * fastSpectral.OutW * fastSpectral.OutC, 3, 30);
        }

        /// <summary>Fastest of three rounds each way (the host is shared).</summary>
        private static void Time(string what, FrontEnd fast, FrontEnd managed, int outputs, int interpretedRuns, int nativeRuns)
        {
            short[] pcm = Signal(fast.RawSamples, 11);
            sbyte[] a = new sbyte[outputs];
            sbyte[] b = new sbyte[outputs];
            double interpreted = 1e30;
            double compiled = 1e30;
            for (int round = 0; round < 3; round++)
            {
                interpreted = Math.Min(interpreted, NanosPerClip(managed, pcm, a, interpretedRuns));
                compiled = Math.Min(compiled, NanosPerClip(fast, pcm, b, nativeRuns));
            }

            Same(a, b, what);
            Console.WriteLine("bench front-end " + what + ": ns per clip native " + (long)compiled + ", interpreted " + (long)interpreted + ", speed-up " + (long)((interpreted / compiled) + 0.5) + "x");
        }

        private static double NanosPerClip(FrontEnd frontEnd, short[] pcm, sbyte[] output, int runs)
        {
            long start = DateTime.UtcNow.Ticks;
            for (int r = 0; r < runs; r++)
            {
                frontEnd.ProcessSamples(pcm, 0, output, 0, 0.05f, -2);
            }

            return (DateTime.UtcNow.Ticks - start) * 100.0 / runs;
        }

        private static int SameMfcc(IFrontEndBackend native, Mfcc fast, Mfcc managed, int seed)
        {
            Assert.IsTrue(fast.Backend == native, "a front-end built with the default set takes it");
            Assert.IsNull(managed.Backend, "a front-end built without it runs C#");
            int count = fast.OutH * fast.OutW * fast.OutC;
            short[] pcm = Signal(fast.ClipSamples + 40, seed);
            int coefficients = fast.Coefficients;
            int[] qa = new int[coefficients];
            int[] qb = new int[coefficients];
            for (int clip = 0; clip < 2; clip++)
            {
                int offset = 7 + (clip * 29);
                sbyte[] a = Fill(count + 5);
                sbyte[] b = Fill(count + 5);
                managed.ProcessSamples(pcm, offset, a, 3, 0.07f, -4);
                fast.ProcessSamples(pcm, offset, b, 3, 0.07f, -4);
                Same(a, b, "mfcc noise shift " + fast.NoiseShift + " clip " + clip);

                // The floor each leaves: the next streamed frame's Q16 coefficients carry it.
                managed.PushFrame(pcm, offset + 1, qa, 0);
                fast.PushFrame(pcm, offset + 1, qb, 0);
                for (int j = 0; j < coefficients; j++)
                {
                    Assert.AreEqual(qa[j], qb[j], "mfcc noise shift " + fast.NoiseShift + " clip " + clip + ": coefficient " + j + " after the clip");
                }
            }

            return 2;
        }

        private static int SameSpectral(Spectral fast, Spectral managed, int seed)
        {
            int count = fast.OutH * fast.OutW * fast.OutC;
            short[] samples = Signal(fast.RawSamples + 9, seed);
            for (int window = 0; window < 2; window++)
            {
                sbyte[] a = Fill(count + 2);
                sbyte[] b = Fill(count + 2);
                managed.ProcessSamples(samples, window * 9, a, 1, 0.02f, 5);
                fast.ProcessSamples(samples, window * 9, b, 1, 0.02f, 5);
                Same(a, b, "spectral " + fast.Channels + " x " + fast.Samples + " window " + window);
            }

            return 2;
        }

        /// <summary>The keyword front-end, built with <paramref name="backend"/> as the default (as at model load after Install).</summary>
        private static Mfcc Keyword(int noiseShift, IFrontEndBackend backend)
        {
            FrontEndBackends.Default = backend;
            try
            {
                return new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, noiseShift);
            }
            finally
            {
                FrontEndBackends.Default = null;
            }
        }

        private static Mfcc Built(Mfcc mfcc, IFrontEndBackend backend)
        {
            mfcc.Backend = backend;
            return mfcc;
        }

        private static Mfcc Small(int noiseShift)
        {
            return new Mfcc(8000, 200, 90, 256, 6, 20, 13, 100, 3800, noiseShift);
        }

        /// <summary>A tone sweeping up, in noise that rises and falls, with a loud burst: the floor has work to do.</summary>
        private static short[] Signal(int length, int seed)
        {
            Rng rng = new Rng(seed);
            short[] pcm = new short[length];
            double cycles = 0;
            for (int t = 0; t < length; t++)
            {
                cycles += 0.008 + (0.05 * t / length);
                double noise = (rng.NextFloat() - 0.5) * (200 + (1500 * (t % 4000) / 4000.0));
                double tone = (t / 3000) % 2 == 0 ? 0 : 6000 * Triangle(cycles);
                double burst = t > length / 2 && t < (length / 2) + 300 ? 30000 * Triangle(cycles * 3) : 0;
                double v = tone + noise + burst;
                pcm[t] = (short)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
            }

            return pcm;
        }

        /// <summary>A triangle wave of period 1 in -1..1 (the device facade has no Math.Sin).</summary>
        private static double Triangle(double cycles)
        {
            double f = cycles - (long)cycles;
            return f < 0.5 ? (4 * f) - 1 : 3 - (4 * f);
        }

        private static sbyte[] Fill(int length)
        {
            sbyte[] output = new sbyte[length];
            for (int i = 0; i < length; i++)
            {
                output[i] = Untouched;
            }

            return output;
        }

        private static void Unwritten(sbyte[] output, string what)
        {
            for (int i = 0; i < output.Length; i++)
            {
                Assert.AreEqual(Untouched, output[i], what + ": output written at " + i);
            }
        }

        private static bool Written(sbyte[] output)
        {
            for (int i = 0; i < output.Length; i++)
            {
                if (output[i] != Untouched)
                {
                    return true;
                }
            }

            return false;
        }

        private static void Same(sbyte[] expected, sbyte[] actual, string what)
        {
            Assert.AreEqual(expected.Length, actual.Length, what + ": length");
            for (int i = 0; i < expected.Length; i++)
            {
                if (expected[i] != actual[i])
                {
                    Assert.AreEqual((int)expected[i], (int)actual[i], what + ": byte " + i);
                }
            }
        }

        private static int[] Copy(int[] values)
        {
            int[] copy = new int[values.Length];
            Array.Copy(values, copy, values.Length);
            return copy;
        }

        private static long[] Copy(long[] values)
        {
            long[] copy = new long[values.Length];
            Array.Copy(values, copy, values.Length);
            return copy;
        }
    }
}
