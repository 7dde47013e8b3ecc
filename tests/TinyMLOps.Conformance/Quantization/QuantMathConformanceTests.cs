using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Conformance.Quantization
{
    /// <summary>
    /// The fixed-point helpers at their edges, on both runtimes: gemmlowp's definitions, integer wrap-around at the
    /// extremes, and real values far outside the int8 range (where nanoFramework's float-to-int casts wrap instead of
    /// saturating as .NET's do).
    /// </summary>
    [TestClass]
    public class QuantMathConformanceTests
    {
        [TestMethod]
        public void The_doubling_high_multiply_saturates_only_its_one_overflow()
        {
            Assert.AreEqual(int.MaxValue, QuantMath.SaturatingRoundingDoublingHighMul(int.MinValue, int.MinValue), "min * min");
            Assert.AreEqual(1 << 29, QuantMath.SaturatingRoundingDoublingHighMul(1 << 30, 1 << 30), "2^30 * 2^30");
            Assert.AreEqual(-(1 << 29), QuantMath.SaturatingRoundingDoublingHighMul(-(1 << 30), 1 << 30), "-2^30 * 2^30");
            Assert.AreEqual(1000, QuantMath.SaturatingRoundingDoublingHighMul(1000, int.MaxValue), "x * (almost one)");
            Assert.AreEqual(-2147483646, QuantMath.SaturatingRoundingDoublingHighMul(int.MinValue + 1, int.MaxValue), "extreme operands");
            Assert.AreEqual(0, QuantMath.SaturatingRoundingDoublingHighMul(0, int.MinValue), "zero");
        }

        [TestMethod]
        public void Dividing_by_a_power_of_two_rounds_ties_away_from_zero()
        {
            Assert.AreEqual(3, QuantMath.RoundingDivideByPot(5, 1), "5/2");
            Assert.AreEqual(-3, QuantMath.RoundingDivideByPot(-5, 1), "-5/2");
            Assert.AreEqual(2, QuantMath.RoundingDivideByPot(7, 2), "7/4");
            Assert.AreEqual(-2, QuantMath.RoundingDivideByPot(-7, 2), "-7/4");
            Assert.AreEqual(2, QuantMath.RoundingDivideByPot(6, 2), "6/4");
            Assert.AreEqual(-2, QuantMath.RoundingDivideByPot(-6, 2), "-6/4");
            Assert.AreEqual(1, QuantMath.RoundingDivideByPot(int.MaxValue, 31), "max/2^31");
            Assert.AreEqual(-1, QuantMath.RoundingDivideByPot(int.MinValue, 31), "min/2^31");
            Assert.AreEqual(int.MinValue, QuantMath.RoundingDivideByPot(int.MinValue, 0), "exponent zero");
        }

        [TestMethod]
        public void A_real_multiplier_splits_into_a_q31_significand_and_a_shift()
        {
            AssertSplit(0.5, 1 << 30, 0);
            AssertSplit(1.0, 1 << 30, 1);
            AssertSplit(0.75, 1610612736, 0);
            AssertSplit(0.001, 1099511628, -9);
            AssertSplit(0.0, 0, 0);
            AssertSplit(-1.0, 0, 0);
            AssertSplit(1e-12, 0, 0);
        }

        [TestMethod]
        public void Requantization_stays_within_one_step_of_exact_arithmetic()
        {
            Rng rng = new Rng(5);
            for (int i = 0; i < 2000; i++)
            {
                double real = 0.0001 + (rng.NextFloat() * 0.9);
                int multiplier;
                int shift;
                QuantMath.QuantizeMultiplier(real, out multiplier, out shift);
                int x = rng.Next(-1000000, 1000000);
                int got = QuantMath.MultiplyByQuantizedMultiplier(x, multiplier, shift);
                double exact = x * real;
                Assert.IsTrue(got >= exact - 1 && got <= exact + 1, x + " * " + real + " gave " + got);
            }
        }

        [TestMethod]
        public void Values_far_outside_the_int8_range_clamp_instead_of_wrapping()
        {
            // (int)1e13 wraps on nanoFramework and saturates on .NET; the clamp must not depend on either.
            Assert.AreEqual((sbyte)127, QuantMath.Quantize(1e10f, 0.001f, 0), "huge positive");
            Assert.AreEqual((sbyte)-128, QuantMath.Quantize(-1e10f, 0.001f, 0), "huge negative");
            Assert.AreEqual((sbyte)127, QuantMath.Quantize(3e38f, 1e-30f, 5), "beyond int range");
            Assert.AreEqual(int.MaxValue, QuantMath.RoundToInt(1e19), "RoundToInt of a huge positive");
            Assert.AreEqual(int.MinValue, QuantMath.RoundToInt(-1e19), "RoundToInt of a huge negative");
        }

        [TestMethod]
        public void Rounding_to_an_integer_takes_ties_away_from_zero()
        {
            Assert.AreEqual(3, QuantMath.RoundToInt(2.5), "2.5");
            Assert.AreEqual(-3, QuantMath.RoundToInt(-2.5), "-2.5");
            Assert.AreEqual(2, QuantMath.RoundToInt(2.4999999), "2.4999999");
            Assert.AreEqual(0, QuantMath.RoundToInt(-0.4), "-0.4");
        }

        [TestMethod]
        public void A_relu6_range_lies_inside_int8()
        {
            int min;
            int max;
            QuantMath.ActivationRange(Activation.Relu6, 6f / 255f, -128, out min, out max);
            Assert.AreEqual(-128, min, "relu6 min");
            Assert.AreEqual(127, max, "relu6 max");
            QuantMath.ActivationRange(Activation.Relu6, 0.001f, 10, out min, out max);
            Assert.AreEqual(10, min, "relu6 min at the zero point");
            Assert.AreEqual(127, max, "relu6 max clamped");
        }

        private static void AssertSplit(double real, int expectedMultiplier, int expectedShift)
        {
            int multiplier;
            int shift;
            QuantMath.QuantizeMultiplier(real, out multiplier, out shift);
            Assert.AreEqual(expectedMultiplier, multiplier, "significand of " + real);
            Assert.AreEqual(expectedShift, shift, "shift of " + real);
        }
    }
}
