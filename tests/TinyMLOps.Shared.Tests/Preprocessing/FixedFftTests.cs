using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class FixedFftTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(1024)]
    public void The_fixed_point_fft_matches_a_naive_dft_to_a_few_units(int n)
    {
        var random = new Random(n);
        var fft = new FixedFft(n);
        var x = new int[n];
        // Σ|x| just under the 2^30 bound: the worst case for overflow and the best for relative precision.
        int amplitude = (1 << 30) / n - 1;
        for (int t = 0; t < n; t++)
        {
            x[t] = random.Next(-amplitude, amplitude + 1);
        }

        var re = new int[(n / 2) + 1];
        var im = new int[(n / 2) + 1];
        fft.Forward(x, 0, re, im);

        double worst = 0;
        for (int k = 0; k <= n / 2; k++)
        {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < n; t++)
            {
                double a = 2 * Math.PI * ((long)k * t % n) / n;
                sr += x[t] * Math.Cos(a);
                si -= x[t] * Math.Sin(a);
            }

            worst = Math.Max(worst, Math.Max(Math.Abs(sr - re[k]), Math.Abs(si - im[k])));
        }

        // Each of the log2 n stages rounds once per product; the error stays within about n units of 2^30.
        Assert.True(worst <= Math.Log2(n) * 2, $"worst error {worst} units at n = {n}");
    }

    [Fact]
    public void A_pure_cosine_lands_in_its_bin_only()
    {
        const int n = 256;
        var x = new int[n];
        for (int t = 0; t < n; t++)
        {
            x[t] = (int)Math.Round(1_000_000 * Math.Cos(2 * Math.PI * 10 * t / n));
        }

        var re = new int[(n / 2) + 1];
        var im = new int[(n / 2) + 1];
        new FixedFft(n).Forward(x, 0, re, im);

        Assert.InRange(re[10], 128_000_000 - 8, 128_000_000 + 8);
        for (int k = 0; k <= n / 2; k++)
        {
            if (k != 10)
            {
                // The input's own rounding to integers (±0.5 per sample) leaves tens of units in every bin: 1e-6 of the peak.
                Assert.InRange(Math.Abs(re[k]) + Math.Abs(im[k]), 0, 128);
            }
        }
    }

    [Fact]
    public void The_twiddles_are_exact_to_a_few_units_of_2_to_the_minus_30()
    {
        for (int den = 1; den <= 4096; den *= 2)
        {
            for (int k = 0; k < den; k += Math.Max(1, den / 64))
            {
                Assert.InRange(FixedMath.SinTurnQ30(k, den) - (Math.Sin(2 * Math.PI * k / den) * (1 << 30)), -4, 4);
                Assert.InRange(FixedMath.CosTurnQ30(k, den) - (Math.Cos(2 * Math.PI * k / den) * (1 << 30)), -4, 4);
            }
        }
    }

    [Fact]
    public void Integer_log2_and_square_root_are_exact_where_the_answer_is()
    {
        Assert.Equal(0, FixedMath.Log2(1, 16));
        Assert.Equal(10 << 16, FixedMath.Log2(1024, 16));
        Assert.Equal(62 << 16, FixedMath.Log2(1L << 62, 16));
        for (long v = 3; v < 1L << 60; v = (v * 7) + 1)
        {
            Assert.InRange(FixedMath.Log2(v, 16) - (Math.Log2(v) * 65536), -2, 0.01);
            long r = FixedMath.Sqrt(v);
            Assert.True(r * r <= v && (r + 1) * (r + 1) > v, $"√{v} = {r}");
        }
    }

    [Fact]
    public void Sizes_outside_16_to_4096_or_not_powers_of_two_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new FixedFft(8));
        Assert.Throws<ArgumentException>(() => new FixedFft(8192));
        Assert.Throws<ArgumentException>(() => new FixedFft(640));
    }
}
