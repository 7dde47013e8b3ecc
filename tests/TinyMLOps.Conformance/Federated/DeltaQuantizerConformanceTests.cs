using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Conformance.Federated
{
    /// <summary>
    /// The delta quantizer and encoder on both runtimes, with a seeded Random: stochastic rounding (exact on the grid,
    /// unbiased off it, the same int8 values on both runtimes) and the encoder's error feedback.
    /// </summary>
    [TestClass]
    public class DeltaQuantizerConformanceTests
    {
        [TestMethod]
        public void Values_on_the_quantization_grid_are_quantized_exactly_whatever_the_draws()
        {
            // maxAbs 127/128 makes the scale exactly 1/128, so every q/128 is a grid point.
            int[] q = new int[] { -127, -64, -5, -1, 0, 1, 3, 77, 126, 127 };
            float[] values = new float[q.Length];
            for (int i = 0; i < q.Length; i++)
            {
                values[i] = q[i] / 128f;
            }

            for (int seed = 1; seed <= 5; seed++)
            {
                sbyte[] output = new sbyte[q.Length];
                float scale = DeltaCodec.Quantize(values, new SeededRandom(seed), output);
                Assert.AreEqual(1f / 128f, scale, "scale");
                for (int i = 0; i < q.Length; i++)
                {
                    Assert.AreEqual(q[i], (int)output[i], "seed " + seed + " value " + i);
                }
            }
        }

        [TestMethod]
        public void Stochastic_rounding_picks_a_neighbour_and_is_unbiased_over_many_draws()
        {
            // 1.0 sets the scale to 1/127; the others fall between grid points (0.0037 below the first).
            float[] values = new float[] { 1f, 0.3f, -0.45f, 0.0037f, -0.999f, 0.5f };
            const int Rounds = 400;
            Random random = new SeededRandom(11);
            double[] sum = new double[values.Length];
            int[] up = new int[values.Length];
            sbyte[] output = new sbyte[values.Length];
            float scale = 0;
            for (int r = 0; r < Rounds; r++)
            {
                scale = DeltaCodec.Quantize(values, random, output);
                for (int i = 0; i < values.Length; i++)
                {
                    double x = values[i] / (double)scale;
                    int floor = (int)Math.Floor(x);
                    Assert.IsTrue(output[i] == floor || output[i] == floor + 1, "value " + i + ": " + output[i] + " is not a neighbour of " + x.ToString());
                    if (output[i] == floor + 1)
                    {
                        up[i]++;
                    }

                    sum[i] += output[i];
                }
            }

            Assert.AreEqual(1f / 127f, scale, "scale");
            for (int i = 1; i < values.Length; i++)
            {
                // One draw's variance is at most 1/4 step^2: the mean of 400 has a standard deviation of 1/40 step.
                double mean = sum[i] / Rounds;
                double expected = values[i] / (double)scale;
                Assert.IsTrue(Math.Abs(mean - expected) < 0.1, "value " + i + ": mean " + mean.ToString() + ", expected " + expected.ToString());
                Assert.IsTrue(up[i] > 0 && up[i] < Rounds, "value " + i + " rounded one way only (" + up[i] + " up)");
            }
        }

        [TestMethod]
        public void Seeded_stochastic_rounding_gives_the_same_int8_values_on_both_runtimes()
        {
            Rng rng = new Rng(3);
            float[] values = new float[64];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (rng.NextFloat() - 0.5f) * 0.02f;
            }

            sbyte[] output = new sbyte[values.Length];
            DeltaCodec.Quantize(values, new SeededRandom(3), output);
            Assert.AreEqual(GoldenQuantizedHash, Hash(output), "FNV-1a of the int8 values");
        }

        [TestMethod]
        public void Error_feedback_carries_what_quantization_dropped_into_the_next_round()
        {
            string[] names = new string[] { "w", "b" };
            int[] sizes = new int[] { 12, 3 };
            DeltaEncoder encoder = new DeltaEncoder(names, sizes, 0f, true, new SeededRandom(21));
            Rng rng = new Rng(21);
            float[][] first = Deltas(rng, sizes);
            float[][] second = Deltas(rng, sizes);
            ModelDelta m1 = encoder.Encode("r1", "v1", 10, first);
            float[][] carried = new float[2][];
            for (int t = 0; t < 2; t++)
            {
                Assert.AreEqual(ModelDelta.EncodingDense, m1.Tensors[t].Encoding, "dense without a keep fraction");
                float[] decoded = DeltaCodec.Decode(m1.Tensors[t]);
                float step = m1.Tensors[t].Scale;
                carried[t] = new float[sizes[t]];
                Array.Copy(encoder.Residual(t), carried[t], sizes[t]);
                int nonZero = 0;
                for (int i = 0; i < sizes[t]; i++)
                {
                    float residual = carried[t][i];
                    Near(first[t][i] - decoded[i], residual, 1e-6f, names[t] + " residual " + i);
                    Assert.IsTrue(Math.Abs(residual) < step * 1.0001f, names[t] + " residual " + i + " beyond one step");
                    nonZero += residual != 0 ? 1 : 0;
                }

                Assert.IsTrue(nonZero > 0, names[t] + ": no rounding error to carry");
            }

            ModelDelta m2 = encoder.Encode("r2", "v1", 10, second);
            for (int t = 0; t < 2; t++)
            {
                float[] decoded1 = DeltaCodec.Decode(m1.Tensors[t]);
                float[] decoded2 = DeltaCodec.Decode(m2.Tensors[t]);
                float[] residual = encoder.Residual(t);
                for (int i = 0; i < sizes[t]; i++)
                {
                    Near(second[t][i] + carried[t][i] - decoded2[i], residual[i], 1e-6f, names[t] + " second residual " + i);

                    // What the server summed plus what is still held is what the device meant to send.
                    Near(first[t][i] + second[t][i], decoded1[i] + decoded2[i] + residual[i], 1e-5f, names[t] + " total " + i);
                }
            }
        }

        [TestMethod]
        public void Without_error_feedback_the_residual_is_dropped_every_round()
        {
            int[] sizes = new int[] { 20 };
            DeltaEncoder encoder = new DeltaEncoder(new string[] { "w" }, sizes, 0f, false, new SeededRandom(5));
            encoder.Encode("r1", "v1", 1, Deltas(new Rng(5), sizes));
            float[] residual = encoder.Residual(0);
            for (int i = 0; i < residual.Length; i++)
            {
                Assert.AreEqual(0f, residual[i], "residual " + i);
            }
        }

        [TestMethod]
        public void Top_k_error_feedback_holds_every_dropped_value_and_sends_it_next_round()
        {
            int[] sizes = new int[] { 100 };
            DeltaEncoder encoder = new DeltaEncoder(new string[] { "w" }, sizes, 0.1f, true, new SeededRandom(31));
            float[][] delta = Deltas(new Rng(31), sizes);
            ModelDelta m1 = encoder.Encode("r1", "v1", 1, delta);
            DeltaTensor t1 = m1.Tensors[0];
            Assert.AreEqual(ModelDelta.EncodingTopK, t1.Encoding, "sparse at 10%");
            Assert.AreEqual(10, t1.Indexes.Length, "kept");
            bool[] kept = new bool[100];
            for (int j = 0; j < t1.Indexes.Length; j++)
            {
                kept[t1.Indexes[j]] = true;
            }

            float[] residual = encoder.Residual(0);
            float smallestKept = 2f; // above every |delta| of (-1, 1)
            float largestDropped = 0;
            for (int i = 0; i < 100; i++)
            {
                float a = Math.Abs(delta[0][i]);
                if (kept[i])
                {
                    smallestKept = a < smallestKept ? a : smallestKept;
                    Assert.IsTrue(Math.Abs(residual[i]) < t1.Scale * 1.0001f, "kept " + i + " leaves more than one step");
                }
                else
                {
                    largestDropped = a > largestDropped ? a : largestDropped;
                    Assert.AreEqual(delta[0][i], residual[i], "dropped " + i + " is held whole");
                }
            }

            Assert.IsTrue(smallestKept >= largestDropped, "top-k kept " + smallestKept.ToString() + " over " + largestDropped.ToString());

            // A zero second delta: the encoder now sends the ten largest of what it held back.
            ModelDelta m2 = encoder.Encode("r2", "v1", 1, new float[][] { new float[100] });
            DeltaTensor t2 = m2.Tensors[0];
            float[] decoded = DeltaCodec.Decode(t2);
            for (int j = 0; j < t2.Indexes.Length; j++)
            {
                int i = t2.Indexes[j];
                Assert.IsFalse(kept[i], "index " + i + " sent twice");
                Assert.IsTrue(Math.Abs(decoded[i] - delta[0][i]) <= t2.Scale * 1.0001f, "index " + i + " sent late within one step");
            }
        }

        // FNV-1a of the values .NET and nanoCLR both gave when this test was written.
        private const uint GoldenQuantizedHash = 6022291;

        private static float[][] Deltas(Rng rng, int[] sizes)
        {
            float[][] d = new float[sizes.Length][];
            for (int t = 0; t < sizes.Length; t++)
            {
                d[t] = new float[sizes[t]];
                for (int i = 0; i < sizes[t]; i++)
                {
                    d[t][i] = (rng.NextFloat() * 2f) - 1f;
                }
            }

            return d;
        }

        private static void Near(float expected, float actual, float tolerance, string what)
        {
            float d = expected - actual;
            Assert.IsTrue(d <= tolerance && d >= -tolerance, what + ": expected " + expected.ToString() + ", got " + actual.ToString());
        }

        private static uint Hash(sbyte[] values)
        {
            uint h = 2166136261;
            for (int i = 0; i < values.Length; i++)
            {
                h = (h ^ (byte)values[i]) * 16777619;
            }

            return h;
        }
    }
}
