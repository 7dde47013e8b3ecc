using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Shared.Tests.Quantization;

public class QuantMathTests
{
    [Fact]
    public void Multiply_by_quantized_multiplier_rounds_the_exact_product_once_with_ties_up()
    {
        // The exact value x * m * 2^(s-31), in 128 bits, rounded half toward +infinity, then saturated at ±2^30.
        var rng = new Random(1);
        for (int i = 0; i < 200_000; i++)
        {
            int x = Edge(rng);
            double real = Math.Pow(2, (rng.NextDouble() * 60) - 31);
            if (real >= 1 << 30)
            {
                continue;
            }

            QuantMath.QuantizeMultiplier(real, out int m, out int s);
            Int128 scaled = FloorDiv(((Int128)x * m) + (Int128.One << (30 - s)), Int128.One << (31 - s));
            int expected = scaled > QuantMath.RequantizeLimit ? QuantMath.RequantizeLimit : scaled < -QuantMath.RequantizeLimit ? -QuantMath.RequantizeLimit : (int)scaled;
            Assert.Equal(expected, QuantMath.MultiplyByQuantizedMultiplier(x, m, s));
        }
    }

    [Theory]
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(1.0, 1 << 30, 1)]
    [InlineData(0.25, 1 << 30, -1)]
    [InlineData(0.75, 1610612736, 0)]
    public void Quantize_multiplier_splits_known_values(double real, int multiplier, int shift)
    {
        QuantMath.QuantizeMultiplier(real, out int m, out int s);
        Assert.Equal(multiplier, m);
        Assert.Equal(shift, s);
    }

    [Fact]
    public void Quantize_multiplier_reconstructs_the_real_value_to_31_bits()
    {
        var rng = new Random(3);
        for (int i = 0; i < 10_000; i++)
        {
            double real = Math.Pow(2, (rng.NextDouble() * 40) - 30);
            QuantMath.QuantizeMultiplier(real, out int m, out int s);
            Assert.InRange(m, 1 << 30, int.MaxValue);
            double back = m * Math.Pow(2, s - 31);
            Assert.True(Math.Abs(back - real) <= real * Math.Pow(2, -30), $"{real} -> {back}");
        }
    }

    [Fact]
    public void Multiply_by_quantized_multiplier_is_within_half_a_step_of_the_real_product()
    {
        var rng = new Random(4);
        for (int i = 0; i < 100_000; i++)
        {
            double real = Math.Pow(2, (rng.NextDouble() * 20) - 20);
            int x = rng.Next(-1 << 20, 1 << 20);
            QuantMath.QuantizeMultiplier(real, out int m, out int s);
            int got = QuantMath.MultiplyByQuantizedMultiplier(x, m, s);
            Assert.True(Math.Abs(got - (x * real)) <= 0.5 + (Math.Abs(x * real) * 1e-9), $"{x} * {real} = {got}");
        }
    }

    [Fact]
    public void Multiplier_of_two_to_the_thirty_or_more_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => QuantMath.QuantizeMultiplier(Math.Pow(2, 31), out _, out _));
    }

    [Fact]
    public void Fused_activation_ranges_follow_the_output_quantization()
    {
        QuantMath.ActivationRange(Activation.None, 0.1f, 5, out int min, out int max);
        Assert.Equal((-128, 127), (min, max));
        QuantMath.ActivationRange(Activation.Relu, 0.1f, 5, out min, out max);
        Assert.Equal((5, 127), (min, max));
        QuantMath.ActivationRange(Activation.Relu6, 0.1f, -100, out min, out max);
        Assert.Equal((-100, -40), (min, max));
    }

    [Fact]
    public void Quantize_rounds_half_away_from_zero_and_saturates()
    {
        Assert.Equal(1, QuantMath.Quantize(0.5f, 1f, 0));
        Assert.Equal(-1, QuantMath.Quantize(-0.5f, 1f, 0));
        Assert.Equal(127, QuantMath.Quantize(1000f, 1f, 0));
        Assert.Equal(-128, QuantMath.Quantize(-1000f, 1f, 0));
        for (int p = 0; p < 256; p++)
        {
            Assert.Equal(p - 128, QuantMath.Quantize(p / 255f, 1f / 255f, -128));
        }
    }

    private static int Edge(Random rng) => rng.Next(6) switch
    {
        0 => int.MinValue,
        1 => int.MaxValue,
        2 => rng.Next(-3, 4),
        _ => rng.Next(int.MinValue, int.MaxValue),
    };

    private static Int128 FloorDiv(Int128 a, Int128 b)
    {
        Int128 q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
