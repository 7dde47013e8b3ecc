using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Conformance.Drift
{
    /// <summary>
    /// The drift monitor's windows on both runtimes, with a seeded Random: sampled input histograms against a naive
    /// reference written here (one element per region per inference, drawn in ascending index order of the region),
    /// the outcome bins, and the Laplace noise on released counts.
    /// </summary>
    [TestClass]
    public class DriftMonitorConformanceTests
    {
        // A 6 x 5 x 2 input over a 2 x 2 grid: uneven regions (rows 0-2 | 3-5, columns 0-2 | 3-4).
        private const int H = 6;
        private const int W = 5;
        private const int C = 2;
        private const int Grid = 2;
        private const int Bins = 8;
        private const int Classes = 3;
        private const int ConfidenceBins = 5;
        private const long WindowMillis = 60000;

        [TestMethod]
        public void Sampled_input_histograms_count_one_element_per_region_per_inference()
        {
            const int Seed = 5;
            const int N = 200;
            DriftMonitor monitor = new DriftMonitor(Reference(), H, W, C, Options(N, 0), new SeededRandom(Seed));
            Random draws = new SeededRandom(Seed);
            int[][] members = RegionMembers();
            uint[] expected = new uint[Grid * Grid * Bins];
            uint[] expectedClasses = new uint[Classes];
            uint[] expectedConfidence = new uint[ConfidenceBins];
            Rng rng = new Rng(Seed);
            Assert.IsNull(monitor.TakeWindow(0, "v1"), "the first call only starts the window");
            for (int n = 0; n < N; n++)
            {
                sbyte[] input = Input(rng, n);
                int predicted = rng.Next(0, Classes);
                int confidence = rng.Next(0, 65536);
                monitor.Observe(input, 0, input.Length, predicted, confidence);
                for (int g = 0; g < members.Length; g++)
                {
                    int element = members[g][draws.Next(members[g].Length)];
                    expected[(g * Bins) + ((input[element] + 128) * Bins / 256)]++;
                }

                expectedClasses[predicted]++;
                int bin = (int)((long)confidence * ConfidenceBins / 65536);
                expectedConfidence[bin]++;
            }

            Assert.IsNull(monitor.TakeWindow(WindowMillis - 1, "v1"), "a window before its length");
            DriftPayload p = monitor.TakeWindow(WindowMillis, "v1");
            Assert.IsNotNull(p, "window after its length");
            Assert.AreEqual((uint)N, p.SampleCount, "samples");
            Assert.AreEqual(Grid * Grid, p.Groups, "groups");
            Assert.AreEqual(Bins, p.InputBins, "bins");
            SameCounts(expected, p.InputCounts, "input");
            SameCounts(expectedClasses, p.ClassCounts, "class");
            SameCounts(expectedConfidence, p.ConfidenceCounts, "confidence");
            for (int g = 0; g < Grid * Grid; g++)
            {
                Assert.AreEqual((uint)N, Sum(p.InputCounts, g * Bins, Bins), "region " + g + " total");
            }

            Assert.IsFalse(p.InputPsiMaxMilli == DriftPayload.NotComputed, "without noise the window carries its scores");
            Assert.AreEqual(0u, monitor.Count, "the next window starts empty");
        }

        [TestMethod]
        public void Raw_pixels_are_quantized_like_the_interpreter_before_they_are_sampled()
        {
            const int Seed = 6;
            const int N = 120;
            DriftMonitor monitor = new DriftMonitor(Reference(), H, W, C, Options(N, 0), new SeededRandom(Seed));
            monitor.SetInputQuantization(1f / 255f, -128);
            Random draws = new SeededRandom(Seed);
            int[][] members = RegionMembers();
            uint[] expected = new uint[Grid * Grid * Bins];
            Rng rng = new Rng(Seed);
            monitor.TakeWindow(0, null);
            for (int n = 0; n < N; n++)
            {
                byte[] raw = new byte[3 + (H * W * C)];
                rng.NextBytes(raw);
                monitor.ObservePixels(raw, 3, n % Classes, 40000);
                for (int g = 0; g < members.Length; g++)
                {
                    int q = raw[3 + members[g][draws.Next(members[g].Length)]] - 128;
                    expected[(g * Bins) + ((q + 128) * Bins / 256)]++;
                }
            }

            DriftPayload p = monitor.TakeWindow(WindowMillis, null);
            SameCounts(expected, p.InputCounts, "input");
            Assert.AreEqual(string.Empty, p.VariantId, "no variant id");
            Assert.AreEqual((uint)N, p.ConfidenceCounts[40000 * ConfidenceBins / 65536], "confidence 40000 in bin 3");
        }

        [TestMethod]
        public void A_window_ends_only_with_its_minimum_count_and_a_sample_past_the_maximum_class_is_refused()
        {
            DriftMonitor monitor = new DriftMonitor(Reference(), H, W, C, Options(10, 0), new SeededRandom(1));
            Rng rng = new Rng(1);
            monitor.TakeWindow(0, "v");
            for (int n = 0; n < 9; n++)
            {
                sbyte[] input = Input(rng, n);
                monitor.Observe(input, 0, input.Length, 0, 0);
            }

            Assert.IsNull(monitor.TakeWindow(10 * WindowMillis, "v"), "nine of ten samples");
            sbyte[] last = Input(rng, 9);
            monitor.Observe(last, 0, last.Length, Classes - 1, 65535);
            DriftPayload p = monitor.TakeWindow(10 * WindowMillis, "v");
            Assert.IsNotNull(p, "ten of ten samples");
            Assert.AreEqual(1u, p.ConfidenceCounts[ConfidenceBins - 1], "confidence 65535 in the last bin");
            Assert.AreEqual(9u, p.ConfidenceCounts[0], "confidence 0 in the first bin");

            bool threw = false;
            try
            {
                monitor.Observe(last, 0, last.Length, Classes, 0);
            }
            catch (ArgumentOutOfRangeException)
            {
                threw = true;
            }

            Assert.IsTrue(threw, "class " + Classes + " of " + Classes + " accepted");
            Assert.AreEqual(0u, monitor.Count, "a refused sample is not counted");
        }

        [TestMethod]
        public void Noised_windows_differ_from_the_raw_counts_by_laplace_noise_of_the_stated_scale()
        {
            // Epsilon 2 over 4 regions: scale (4 + 2) / 2 = 3. Each window pairs a noised monitor with a raw one drawn
            // from the same seed; the samples are drawn before the noise, so both hold the same raw counts.
            const float Epsilon = 2f;
            double scale = DriftMath.NoiseScale(Grid * Grid, Epsilon);
            Assert.AreEqual(3.0, scale, "noise scale");
            double sum = 0;
            double sumAbs = 0;
            int cells = 0;
            int changed = 0;
            for (int w = 0; w < 24; w++)
            {
                DriftMonitor raw = new DriftMonitor(Reference(), H, W, C, Options(200, 0), new SeededRandom(100 + w));
                DriftMonitor noised = new DriftMonitor(Reference(), H, W, C, Options(200, Epsilon), new SeededRandom(100 + w));
                Rng rng = new Rng(100 + w);
                raw.TakeWindow(0, "v");
                noised.TakeWindow(0, "v");
                for (int n = 0; n < 200; n++)
                {
                    sbyte[] input = Input(rng, n);
                    int predicted = rng.Next(0, Classes);
                    int confidence = rng.Next(0, 65536);
                    raw.Observe(input, 0, input.Length, predicted, confidence);
                    noised.Observe(input, 0, input.Length, predicted, confidence);
                }

                DriftPayload a = raw.TakeWindow(WindowMillis, "v");
                DriftPayload b = noised.TakeWindow(WindowMillis, "v");
                Assert.AreEqual(0, b.Flags, "no alarm bit with noise");
                Assert.AreEqual(DriftPayload.NotComputed, b.InputPsiMaxMilli, "no scores with noise");
                Assert.AreEqual(Epsilon, b.Epsilon, "epsilon");
                Assert.AreEqual(200u, b.SampleCount, "the sample count is not noised");
                uint[][] rawCounts = new uint[][] { a.InputCounts, a.ClassCounts, a.ConfidenceCounts };
                uint[][] noisedCounts = new uint[][] { b.InputCounts, b.ClassCounts, b.ConfidenceCounts };
                for (int h = 0; h < rawCounts.Length; h++)
                {
                    for (int i = 0; i < rawCounts[h].Length; i++)
                    {
                        // Cells with 15 or more counts are clamped at 0 with probability under 0.4%.
                        if (rawCounts[h][i] < 15)
                        {
                            continue;
                        }

                        double d = (double)noisedCounts[h][i] - rawCounts[h][i];
                        Assert.IsTrue(d > -40 && d < 40, "noise " + d.ToString() + " beyond 13 scales");
                        sum += d;
                        sumAbs += d < 0 ? -d : d;
                        cells++;
                        if (d != 0)
                        {
                            changed++;
                        }
                    }
                }
            }

            // E|round(Laplace(3))| = 2.986; the mean over some 670 cells has a standard deviation near 0.12 (3 / sqrt 670),
            // the mean noise (0) one near 0.16 (3 sqrt 2 / sqrt 670). A scale 20% off falls outside (seeded: 2.87 here).
            Assert.IsTrue(cells > 500, "cells compared: " + cells);
            double meanAbs = sumAbs / cells;
            double mean = sum / cells;
            Assert.IsTrue(meanAbs > 2.65 && meanAbs < 3.35, "mean |noise| " + meanAbs.ToString() + " for scale 3 over " + cells + " cells");
            Assert.IsTrue(mean > -0.5 && mean < 0.5, "mean noise " + mean.ToString());
            Assert.IsTrue(changed > cells / 2, changed + " of " + cells + " cells changed");
        }

        [TestMethod]
        public void Seeded_noised_windows_release_the_same_counts_on_both_runtimes()
        {
            DriftMonitor monitor = new DriftMonitor(Reference(), H, W, C, Options(150, 1f), new SeededRandom(77));
            Rng rng = new Rng(77);
            monitor.TakeWindow(0, "v");
            for (int n = 0; n < 150; n++)
            {
                sbyte[] input = Input(rng, n);
                monitor.Observe(input, 0, input.Length, rng.Next(0, Classes), rng.Next(0, 65536));
            }

            DriftPayload p = monitor.TakeWindow(WindowMillis, "v");
            uint h = 2166136261;
            uint[][] all = new uint[][] { p.InputCounts, p.ClassCounts, p.ConfidenceCounts };
            for (int k = 0; k < all.Length; k++)
            {
                for (int i = 0; i < all[k].Length; i++)
                {
                    h = (h ^ all[k][i]) * 16777619;
                }
            }

            // FNV-1a of the released counts .NET and nanoCLR both gave when this test was written: the sampling draws,
            // the Laplace inverse CDF (Math.Log) and the rounding (Math.Round) agree to the count.
            Assert.AreEqual(GoldenNoisedHash, h, "FNV-1a of the released counts");
        }

        private const uint GoldenNoisedHash = 1542463266;

        [TestMethod]
        public void Laplace_draws_from_a_seeded_uniform_have_the_stated_scale()
        {
            Random random = new SeededRandom(17);
            const int N = 4000;
            const double Scale = 1.5;
            double sum = 0;
            double sumAbs = 0;
            int belowMedian = 0;
            for (int i = 0; i < N; i++)
            {
                double x = DriftMath.Laplace(random.NextDouble(), Scale);
                sum += x;
                double a = x < 0 ? -x : x;
                sumAbs += a;
                if (a < Scale * 0.69314718055994530942)
                {
                    belowMedian++;
                }
            }

            // Mean 0 (sd 1.5 * sqrt 2 / sqrt 4000 = 0.034), E|x| = scale (sd 0.024), median |x| = scale * ln 2.
            Assert.IsTrue(sum / N > -0.12 && sum / N < 0.12, "mean " + (sum / N).ToString());
            Assert.IsTrue(sumAbs / N > 1.42 && sumAbs / N < 1.58, "mean |x| " + (sumAbs / N).ToString());
            Assert.IsTrue(belowMedian > 1880 && belowMedian < 2120, belowMedian + " of 4000 below the median");
            Assert.AreEqual(0.0, DriftMath.Laplace(0.5, Scale), "the centre draw");
        }

        private static DriftOptions Options(int minCount, float epsilon)
        {
            DriftOptions o = new DriftOptions();
            o.WindowSeconds = (int)(WindowMillis / 1000);
            o.MinCount = minCount;
            o.Epsilon = epsilon;
            return o;
        }

        /// <summary>A reference profile of this layout from seeded inputs (its counts only matter to the scores).</summary>
        private static DriftProfile Reference()
        {
            HistogramLayout layout = new HistogramLayout(HistogramLayout.KindImageRegions, Grid, Grid, Bins, Classes, ConfidenceBins, H, W, C);
            DriftProfile p = layout.NewProfile();
            Rng rng = new Rng(99);
            for (int n = 0; n < 50; n++)
            {
                sbyte[] input = Input(rng, n);
                layout.AddSample(p, input, 0, input.Length, rng.Next(0, Classes), rng.Next(0, 65536));
            }

            return p;
        }

        /// <summary>HWC input; odd samples darker, so the regions do not all look alike.</summary>
        private static sbyte[] Input(Rng rng, int n)
        {
            sbyte[] input = new sbyte[H * W * C];
            for (int i = 0; i < input.Length; i++)
            {
                int v = rng.Next(-128, 128);
                input[i] = (sbyte)(n % 2 == 1 && v > 0 ? -v : v);
            }

            return input;
        }

        /// <summary>Element indexes of each region in ascending order, from the grid's definition.</summary>
        private static int[][] RegionMembers()
        {
            int[] sizes = new int[Grid * Grid];
            for (int i = 0; i < H * W * C; i++)
            {
                sizes[RegionOf(i)]++;
            }

            int[][] members = new int[Grid * Grid][];
            for (int g = 0; g < members.Length; g++)
            {
                members[g] = new int[sizes[g]];
                sizes[g] = 0;
            }

            for (int i = 0; i < H * W * C; i++)
            {
                int g = RegionOf(i);
                members[g][sizes[g]] = i;
                sizes[g]++;
            }

            return members;
        }

        private static int RegionOf(int element)
        {
            int pixel = element / C;
            int y = pixel / W;
            int x = pixel % W;
            return ((y < 3 ? 0 : 1) * Grid) + (x < 3 ? 0 : 1);
        }

        private static uint Sum(uint[] counts, int offset, int length)
        {
            uint s = 0;
            for (int i = offset; i < offset + length; i++)
            {
                s += counts[i];
            }

            return s;
        }

        private static void SameCounts(uint[] expected, uint[] actual, string what)
        {
            Assert.AreEqual(expected.Length, actual.Length, what + " bins");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i], actual[i], what + " bin " + i);
            }
        }
    }
}
