using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Shared.Tests.Federated;

public class DeltaCodecTests
{
    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    [Fact]
    public void Stochastic_rounding_is_unbiased_where_round_to_nearest_is_not()
    {
        // maxAbs = 1 gives scale 1/127; the others sit 0.3, 0.5 and 0.9 of a step above a grid point.
        float s = 1f / 127;
        float[] values = [1f, 10.3f * s, -20.5f * s, 0.9f * s, -0.3f * s, 0f];
        const int draws = 40_000;
        var rng = new Random(5);
        var sums = new double[values.Length];
        var q = new sbyte[values.Length];
        for (int d = 0; d < draws; d++)
        {
            float scale = DeltaCodec.Quantize(values, rng, q);
            Assert.Equal(s, scale);
            for (int i = 0; i < values.Length; i++)
            {
                // Only the two neighbouring grid points are ever chosen.
                Assert.True(Math.Abs(q[i] - values[i] / scale) < 1, $"value {i} -> {q[i]}");
                sums[i] += q[i] * scale;
            }
        }

        // Per draw the error is at most one step with variance <= step^2/4: 6 standard errors of the mean.
        double bound = 6 * (s / 2) / Math.Sqrt(draws);
        for (int i = 0; i < values.Length; i++)
        {
            double bias = sums[i] / draws - values[i];
            Assert.True(Math.Abs(bias) < bound, $"value {i}: bias {bias:E3} bound {bound:E3}");
        }

        // Round-to-nearest of 10.3 steps is off by 0.3 steps, 10x the bound above: the test can tell the two apart.
        Assert.True(0.3 * s > 10 * bound);
        Assert.Equal(127, q[0]);
        Assert.Equal(0, q[5]);
    }

    [Fact]
    public void Quantize_uses_scale_max_abs_over_127_keeps_values_in_range_and_rejects_non_finite_input()
    {
        var rng = new Random(9);
        float[] values = Enumerable.Range(0, 1000).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
        values[17] = -3.5f;
        var q = new sbyte[values.Length];
        float scale = DeltaCodec.Quantize(values, rng, q);
        Assert.Equal(3.5f / 127, scale);
        Assert.Equal(-127, q[17]);
        Assert.All(q, v => Assert.InRange(v, (sbyte)-127, (sbyte)127));

        Assert.Equal(0f, DeltaCodec.Quantize(new float[4], rng, q));
        Assert.All(q[..4], v => Assert.Equal(0, v));
        Assert.Throws<ArgumentException>(() => DeltaCodec.Quantize([1f, float.NaN], rng, q));
        Assert.Throws<ArgumentException>(() => DeltaCodec.Quantize([float.NegativeInfinity], rng, q));
    }

    [Fact]
    public void Clipping_bounds_the_joint_norm_keeps_the_direction_and_leaves_small_updates_alone()
    {
        var rng = new Random(2);
        float[] a = Enumerable.Range(0, 500).Select(_ => (float)(rng.NextDouble() - 0.5) * 10).ToArray();
        float[] b = Enumerable.Range(0, 50).Select(_ => (float)(rng.NextDouble() - 0.5) * 10).ToArray();
        float[] a0 = (float[])a.Clone();
        double before = Math.Sqrt(Norm(a) * Norm(a) + Norm(b) * Norm(b));
        float factor = DeltaCodec.ClipL2([a, b], 2f);
        double after = Math.Sqrt(Norm(a) * Norm(a) + Norm(b) * Norm(b));
        Assert.True(after <= 2.0, "norm " + after);
        Assert.True(after > 2.0 * 0.9999, "norm " + after);
        Assert.Equal(2.0 / before, factor, 1e-5);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a0[i] * factor, a[i]);
        }

        float[] small = [0.3f, -0.4f];
        Assert.Equal(1f, DeltaCodec.ClipL2(small, 1f));
        Assert.Equal([0.3f, -0.4f], small);
        Assert.Throws<ArgumentException>(() => DeltaCodec.ClipL2(small, 0f));
    }

    [Fact]
    public void Top_k_keeps_exactly_the_k_largest_magnitudes_in_ascending_index_order()
    {
        var rng = new Random(13);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = rng.Next(1, 3000);
            // Few distinct magnitudes so ties are common and the tie rule is exercised.
            float[] v = Enumerable.Range(0, n).Select(_ => (float)(rng.Next(-20, 21) * 0.25)).ToArray();
            int k = rng.Next(0, n + 2);
            int[] got = DeltaCodec.TopK(v, k);
            int[] want = Enumerable.Range(0, n).OrderByDescending(i => Math.Abs(v[i])).ThenBy(i => i).Take(k).OrderBy(i => i).ToArray();
            Assert.Equal(want, got);
        }

        Assert.Equal([0, 1], DeltaCodec.TopK([1f, -1f, 1f, 0.5f], 2));
        Assert.Equal([1, 3], DeltaCodec.TopK([0.1f, -9f, 0.2f, 3f], 2));
    }

    [Theory]
    [InlineData(1000, 0.1f, 100)]
    [InlineData(1000, 0f, 1000)]
    [InlineData(1000, 1f, 1000)]
    [InlineData(1000, 0.0001f, 1)]
    [InlineData(10, 0.5f, 10)] // 5 kept values cost 29 bytes, more than 10 dense: go dense.
    [InlineData(99_000, 0.1f, 9_900)]
    public void Sparse_count_rounds_up_and_falls_back_to_dense_when_sparse_is_not_smaller(int n, float fraction, int expected)
    {
        Assert.Equal(expected, DeltaCodec.SparseCount(n, fraction));
    }

    [Fact]
    public void Decoding_scatters_sparse_values_and_scales_dense_ones()
    {
        var sparse = new DeltaTensor { Name = "w", ElementCount = 5, Scale = 0.5f, Encoding = ModelDelta.EncodingTopK, Indexes = [1, 4], Values = [3, -2] };
        Assert.Equal([0f, 1.5f, 0f, 0f, -1f], DeltaCodec.Decode(sparse));
        var dense = new DeltaTensor { Name = "b", ElementCount = 3, Scale = 0.25f, Encoding = ModelDelta.EncodingDense, Values = [4, 0, -127] };
        Assert.Equal([1f, 0f, -31.75f], DeltaCodec.Decode(dense));
    }

    private static (double Tracking, double ResidualAt100, double ResidualAt400) RunRounds(bool errorFeedback)
    {
        int[] sizes = [2000, 50];
        var encoder = new DeltaEncoder(["w", "b"], sizes, 0.1f, errorFeedback, new Random(3));
        var rng = new Random(17);
        // A persistent direction plus noise, as successive local updates of a converging model look.
        float[][] drift = sizes.Select(n => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.01f).ToArray()).ToArray();
        var trueSum = sizes.Select(n => new double[n]).ToArray();
        var sentSum = sizes.Select(n => new double[n]).ToArray();
        double residualAt100 = 0, residualAt400 = 0;
        for (int round = 1; round <= 400; round++)
        {
            float[][] deltas = drift.Select(d => d.Select(x => x + (float)(rng.NextDouble() - 0.5) * 0.01f).ToArray()).ToArray();
            DeltaCodec.ClipL2(deltas, 1f);
            ModelDelta update = ModelDelta.Decode(encoder.Encode("r" + round, "v1", 100, deltas).Encode());
            for (int t = 0; t < sizes.Length; t++)
            {
                Assert.Equal(ModelDelta.EncodingTopK, update.Tensors[t].Encoding);
                float[] decoded = DeltaCodec.Decode(update.Tensors[t]);
                for (int i = 0; i < sizes[t]; i++)
                {
                    trueSum[t][i] += deltas[t][i];
                    sentSum[t][i] += decoded[i];
                }
            }

            double residual = Math.Sqrt(Enumerable.Range(0, sizes.Length).Sum(t => Math.Pow(Norm(encoder.Residual(t)), 2)));
            if (round == 100)
            {
                residualAt100 = residual;
            }

            residualAt400 = residual;
        }

        double gap = 0, total = 0;
        for (int t = 0; t < sizes.Length; t++)
        {
            for (int i = 0; i < sizes[t]; i++)
            {
                gap += Math.Pow(trueSum[t][i] - sentSum[t][i], 2);
                total += Math.Pow(trueSum[t][i], 2);
            }
        }

        return (Math.Sqrt(gap / total), residualAt100, residualAt400);
    }

    [Fact]
    public void With_error_feedback_the_sum_of_sent_updates_tracks_the_sum_of_true_deltas_and_the_residual_stays_bounded()
    {
        var (tracking, at100, at400) = RunRounds(errorFeedback: true);
        // Sent sum = true sum - residual, and the residual does not grow: relative gap shrinks like 1/rounds.
        Assert.True(tracking < 0.05, "relative gap " + tracking);
        Assert.True(at400 < 1.5 * at100, $"residual {at100} at round 100, {at400} at 400");
        Assert.True(at400 > 0, "top-k at 10% must leave a residual");

        // Without it top-k 10% drops most of the mass for good: the same measure is far worse.
        var (without, _, residualWithout) = RunRounds(errorFeedback: false);
        Assert.True(without > 0.5, "relative gap without error feedback " + without);
        Assert.Equal(0, residualWithout);
    }

    [Fact]
    public void The_residual_is_exactly_corrected_delta_minus_decoded_and_a_bad_delta_leaves_it_unchanged()
    {
        var encoder = new DeltaEncoder(["w"], [100], 0.2f, true, new Random(4));
        var rng = new Random(8);
        float[] first = Enumerable.Range(0, 100).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        ModelDelta d1 = encoder.Encode("r1", "v", 5, [first]);
        float[] decoded = DeltaCodec.Decode(d1.Tensors[0]);
        float[] residual = (float[])encoder.Residual(0).Clone();
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(first[i] - decoded[i], residual[i]);
        }

        float[] bad = new float[100];
        bad[50] = float.NaN;
        Assert.Throws<ArgumentException>(() => encoder.Encode("r2", "v", 5, [bad]));
        Assert.Equal(residual, encoder.Residual(0));
        Assert.Throws<ArgumentException>(() => encoder.Encode("r2", "v", 5, [new float[99]]));
    }
}
