using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Conformance.Preprocessing
{
    /// <summary>
    /// The fixed-point front-ends on seeded signals, run the same on nanoCLR and .NET: the integer tables (sine, log2),
    /// the FFT, the MFCCs and the spectral features are hashed to the same CRC-32 on both runtimes (the constants are
    /// .NET's results), so a board computes the very features the host trained on.
    /// </summary>
    [TestClass]
    public class FrontEndConformanceTests
    {
        [TestMethod]
        public void Integer_sine_log2_and_square_root_are_identical_across_runtimes()
        {
            uint crc = Crc32.Start();
            for (int k = 0; k < 1024; k++)
            {
                crc = Add(crc, FixedMath.SinTurnQ30(k, 1024));
                crc = Add(crc, FixedMath.CosTurnQ30(k * 7, 640));
            }

            long v = 1;
            for (int i = 0; i < 200; i++)
            {
                crc = Add(crc, FixedMath.Log2(v, 16));
                crc = Add(crc, (int)FixedMath.Sqrt(v));
                v = (v * 3) + i;
                if (v > (1L << 61))
                {
                    v >>= 40;
                }
            }

            Assert.AreEqual(4209138287u, Crc32.Finish(crc), "CRC-32 of the tables");
        }

        [TestMethod]
        public void Fft_outputs_are_byte_identical_across_runtimes()
        {
            uint crc = Crc32.Start();
            Rng rng = new Rng(31);
            for (int n = 64; n <= 1024; n *= 4)
            {
                FixedFft fft = new FixedFft(n);
                int[] x = new int[n];
                int amplitude = (1 << 30) / n;
                for (int t = 0; t < n; t++)
                {
                    x[t] = rng.Next(-amplitude, amplitude);
                }

                int[] re = new int[(n / 2) + 1];
                int[] im = new int[(n / 2) + 1];
                fft.Forward(x, 0, re, im);
                crc = Add(crc, re);
                crc = Add(crc, im);
            }

            Assert.AreEqual(3752919646u, Crc32.Finish(crc), "CRC-32 of the spectra");
        }

        [TestMethod]
        public void Keyword_mfccs_of_a_one_second_clip_are_byte_identical_across_runtimes()
        {
            Mfcc mfcc = new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0);
            short[] pcm = Clip(mfcc.ClipSamples, 16000, 41);
            int[] q = new int[mfcc.Frames * mfcc.Coefficients];
            mfcc.Features(pcm, 0, q);
            sbyte[] input = new sbyte[q.Length];
            mfcc.ProcessSamples(pcm, 0, input, 0, 0.35f, 17);

            Assert.AreEqual(167089223u, Crc32.Finish(Add(Crc32.Start(), q)), "CRC-32 of the Q16 features");
            Assert.AreEqual(1369830995u, Crc32.Finish(Add(Crc32.Start(), input)), "CRC-32 of the int8 input");
        }

        [TestMethod]
        public void Denoised_mfccs_of_a_short_clip_are_byte_identical_across_runtimes()
        {
            Mfcc mfcc = new Mfcc(8000, 200, 80, 256, 12, 20, 8, 60, 3800, 3);
            short[] pcm = Clip(mfcc.ClipSamples, 8000, 42);
            int[] q = new int[mfcc.Frames * mfcc.Coefficients];
            mfcc.Features(pcm, 0, q);

            Assert.AreEqual(3412610874u, Crc32.Finish(Add(Crc32.Start(), q)), "CRC-32 of the Q16 features");
        }

        [TestMethod]
        public void Spectral_features_of_a_three_axis_window_are_byte_identical_across_runtimes()
        {
            Spectral spectral = new Spectral(3, 256, 8, Spectral.SpacingLog, new float[] { 0.5f, 1f, 2f });
            Rng rng = new Rng(43);
            short[] window = new short[3 * 256];
            for (int t = 0; t < 256; t++)
            {
                // A 50 Hz hum on x, a 3.3 g-ish impact ringing on y, noise on z, each with its own offset.
                window[3 * t] = (short)(1200 + (int)(((long)9000 * FixedMath.SinTurnQ30(t * 50, 1000)) >> 30));
                window[(3 * t) + 1] = (short)(t > 100 && t < 140 ? 30000 - (700 * (t - 100)) : -300);
                window[(3 * t) + 2] = (short)rng.Next(-2000, 2000);
            }

            int[] q = new int[spectral.OutC];
            spectral.Features(window, 0, q);
            sbyte[] input = new sbyte[q.Length];
            spectral.ProcessSamples(window, 0, input, 0, 0.01f, -5);

            Assert.AreEqual(3972503876u, Crc32.Finish(Add(Crc32.Start(), q)), "CRC-32 of the Q24 features");
            Assert.AreEqual(2097636762u, Crc32.Finish(Add(Crc32.Start(), input)), "CRC-32 of the int8 input");
        }

        [TestMethod]
        public void A_camera_frame_cropped_resized_and_greyed_is_byte_identical_across_runtimes()
        {
            ImageFrontEnd image = new ImageFrontEnd(60, 80, 3, 4, 10, 52, 60, 28, 28, true, new float[] { 0.2860f }, new float[] { 0.3530f });
            Rng rng = new Rng(44);
            byte[] frame = new byte[60 * 80 * 3];
            for (int i = 0; i < frame.Length; i++)
            {
                // Vertical stripes per channel plus noise: every tap and weight matters.
                frame[i] = (byte)((((i / 3) % 80) * (3 + (i % 3)) + rng.Next(0, 40)) & 255);
            }

            byte[] levels = new byte[28 * 28];
            image.Resample(frame, 0, levels, 0);
            sbyte[] input = new sbyte[levels.Length];
            image.ProcessPixels(frame, 0, input, 0, 0.0215f, -7);

            Assert.AreEqual(3919722692u, Crc32.Finish(Add(Crc32.Start(), levels)), "CRC-32 of the levels");
            Assert.AreEqual(4172224168u, Crc32.Finish(Add(Crc32.Start(), input)), "CRC-32 of the int8 input");
        }

        [TestMethod]
        public void Front_end_sections_decode_to_the_same_bytes()
        {
            FrontEnd[] all = new FrontEnd[] { new Mfcc(16000, 480, 160, 512, 98, 32, 13, 0, 8000, 6), new Spectral(6, 128, 12, Spectral.SpacingLinear, null), new ImageFrontEnd(96, 96, 3, 0, 16, 96, 64, 32, 24, false, new float[] { 0.485f, 0.456f, 0.406f }, new float[] { 0.229f, 0.224f, 0.225f }) };
            for (int i = 0; i < all.Length; i++)
            {
                byte[] section = all[i].Encode();
                Expect.SameBytes(section, FrontEndCodec.Decode(section, 0, section.Length).Encode(), all[i].Name + " section");
            }
        }

        // A tone sweep in 8 steps, an AM envelope and seeded noise, in integers only.
        private static short[] Clip(int n, int rate, int seed)
        {
            Rng rng = new Rng(seed);
            short[] pcm = new short[n];
            for (int t = 0; t < n; t++)
            {
                int hz = 200 + (400 * (8 * t / n));
                long tone = ((long)12000 * FixedMath.SinTurnQ30((long)t * hz, rate)) >> 30;
                long envelope = (FixedMath.SinTurnQ30((long)t * 3, rate) + (1L << 30)) >> 15;
                int noise = rng.Next(-600, 600);
                pcm[t] = (short)(((tone * envelope) >> 16) + noise);
            }

            return pcm;
        }

        private static uint Add(uint crc, int value)
        {
            byte[] b = new byte[] { (byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24) };
            return Crc32.Update(crc, b, 0, 4);
        }

        private static uint Add(uint crc, int[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                crc = Add(crc, values[i]);
            }

            return crc;
        }

        private static uint Add(uint crc, byte[] values)
        {
            return Crc32.Update(crc, values, 0, values.Length);
        }

        private static uint Add(uint crc, sbyte[] values)
        {
            byte[] b = new byte[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                b[i] = (byte)values[i];
            }

            return Crc32.Update(crc, b, 0, b.Length);
        }
    }
}
