using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Shared.Tests.Drift;

public class DriftMathTests
{
    [Fact]
    public void Psi_matches_a_hand_computed_value()
    {
        // (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5)
        Assert.Equal(0.1694595721, DriftMath.Psi([30, 70], [50, 50], 0, 2), 9);
    }

    [Fact]
    public void Psi_gives_an_empty_bin_a_proportion_of_one_in_ten_thousand()
    {
        // (1e-4 - 0.5) ln(1e-4 / 0.5) + (1 - 0.5) ln(1 / 0.5)
        Assert.Equal(4.6043184667, DriftMath.Psi([0, 100], [50, 50], 0, 2), 9);
        Assert.True(double.IsFinite(DriftMath.Psi([100, 0], [0, 100], 0, 2)));
    }

    [Fact]
    public void Psi_reads_only_its_range_and_is_zero_for_equal_proportions()
    {
        uint[] observed = [999, 10, 30, 999];
        uint[] reference = [1, 100, 300, 1];
        Assert.Equal(0, DriftMath.Psi(observed, reference, 1, 2), 12);
        Assert.True(DriftMath.Psi(observed, reference, 0, 2) > 1);
    }

    [Fact]
    public void Psi_and_jensen_shannon_are_zero_when_a_side_has_no_counts()
    {
        Assert.Equal(0, DriftMath.Psi([0, 0], [5, 5], 0, 2));
        Assert.Equal(0, DriftMath.JensenShannon([5, 5], [0, 0], 0, 2));
    }

    [Fact]
    public void Jensen_shannon_matches_hand_computed_values_in_bits()
    {
        // M = (0.75, 0.25); 0.5 KL(P||M) + 0.5 KL(Q||M) with log base 2.
        Assert.Equal(0.3112781245, DriftMath.JensenShannon([5, 5], [10, 0], 0, 2), 9);
        Assert.Equal(1.0, DriftMath.JensenShannon([7, 0], [0, 3], 0, 2), 12);
        Assert.Equal(0.0, DriftMath.JensenShannon([2, 4, 6], [1, 2, 3], 0, 3), 12);
    }

    [Theory]
    [InlineData(0.2, 200)]
    [InlineData(0.0004, 0)]
    [InlineData(0.0006, 1)]
    [InlineData(-0.3, 0)]
    [InlineData(1e9, 65534)]
    public void Milli_rounds_and_clamps_below_the_not_computed_marker(double score, int milli)
    {
        Assert.Equal(milli, DriftMath.Milli(score));
    }

    [Fact]
    public void Milli_of_nan_is_not_computed()
    {
        Assert.Equal(DriftMath.NotComputed, DriftMath.Milli(double.NaN));
    }

    [Fact]
    public void Laplace_inverse_cdf_is_symmetric_with_median_zero_and_the_right_quartiles()
    {
        Assert.Equal(0, DriftMath.Laplace(0.5, 3), 12);

        // The quartiles of Laplace(0, b) are -b ln 2 and b ln 2.
        Assert.Equal(-3 * Math.Log(2), DriftMath.Laplace(0.25, 3), 12);
        Assert.Equal(3 * Math.Log(2), DriftMath.Laplace(0.75, 3), 12);
        // u = 0 exactly: the tail is cut at 1e-30 (float-representable, so finite on single-precision boards too).
        Assert.Equal(-3 * Math.Log(1e30), DriftMath.Laplace(0, 3), 9);
    }

    [Fact]
    public void Noise_scale_is_groups_plus_two_over_epsilon()
    {
        Assert.Equal(9.0, DriftMath.NoiseScale(16, 2.0), 12);
    }

    [Theory]
    [InlineData(10u, -12.0, 0u)]
    [InlineData(10u, 2.4, 12u)]
    [InlineData(10u, 2.6, 13u)]
    [InlineData(65000u, 1000.0, 65535u)]
    public void Noised_counts_are_rounded_and_clamped(uint count, double noise, uint expected)
    {
        Assert.Equal(expected, DriftMath.Noised(count, noise, 65535));
    }

    [Fact]
    public void Scores_take_the_worst_group_and_average_the_rest()
    {
        var reference = new DriftProfile
        {
            GroupKind = HistogramLayout.KindPerChannel, Groups = 2, InputBins = 2, Classes = 2, ConfidenceBins = 2,
            InputCounts = [50, 50, 50, 50], ClassCounts = [50, 50], ConfidenceCounts = [50, 50],
        };
        var scores = new DriftScores();
        scores.Compute([50, 50, 30, 70], [50, 50], [0, 100], reference);

        Assert.Equal(1, scores.InputPsiMaxGroup);
        Assert.Equal(0.1694595721, scores.InputPsiMax, 9);
        Assert.Equal(0.1694595721 / 2, scores.InputPsiMean, 9);
        Assert.Equal(0, scores.ClassPsi, 12);
        Assert.Equal(4.6043184667, scores.ConfidencePsi, 9);
        Assert.Equal(scores.ConfidencePsi, scores.MaxPsi);
        Assert.Equal(DriftMath.JensenShannon([30, 70], [50, 50], 0, 2) / 2, scores.InputJensenShannon, 12);
    }
}
