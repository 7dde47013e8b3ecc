using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Conformance.Quantization
{
    /// <summary>
    /// The fixed-point helpers at their edges, on both runtimes: single-rounding requantization, saturation at the
    /// extremes, and real values far outside the int8 range (where nanoFramework's float-to-int casts wrap instead of
    /// saturating as .NET's do).
    /// </summary>
    [TestClass]
    public class QuantMathConformanceTests
    {
        [TestMethod]
        public void Requantization_rounds_once_with_ties_toward_positive_infinity()
        {
            // multiplier 2^30 with shift 0 is one half.
            Assert.AreEqual(1, QuantMath.MultiplyByQuantizedMultiplier(1, 1 << 30, 0), "0.5");
            Assert.AreEqual(0, QuantMath.MultiplyByQuantizedMultiplier(-1, 1 << 30, 0), "-0.5");
            Assert.AreEqual(2, QuantMath.MultiplyByQuantizedMultiplier(3, 1 << 30, 0), "1.5");
            Assert.AreEqual(-1, QuantMath.MultiplyByQuantizedMultiplier(-3, 1 << 30, 0), "-1.5");
            Assert.AreEqual(-2, QuantMath.MultiplyByQuantizedMultiplier(-5, 1 << 30, 0), "-2.5 rounds up to -2");

            // A large multiplier (0.2348 * 2^8 = 60.1): two roundings keep only a few fractional bits in between;
            // one rounding is exact to half a step.
            int multiplier;
            int shift;
            QuantMath.QuantizeMultiplier(60.1, out multiplier, out shift);
            Assert.AreEqual(-12681, QuantMath.MultiplyByQuantizedMultiplier(-211, multiplier, shift), "-211 * 60.1 = -12681.1");
        }

        [TestMethod]
        public void Requantization_saturates_instead_of_wrapping()
        {
            int multiplier;
            int shift;
            QuantMath.QuantizeMultiplier(1000.0, out multiplier, out shift);
            Assert.AreEqual(QuantMath.RequantizeLimit, QuantMath.MultiplyByQuantizedMultiplier(int.MaxValue, multiplier, shift), "max * 1000");
            Assert.AreEqual(-QuantMath.RequantizeLimit, QuantMath.MultiplyByQuantizedMultiplier(int.MinValue, multiplier, shift), "min * 1000");
            Assert.AreEqual(0, QuantMath.MultiplyByQuantizedMultiplier(int.MaxValue, 1 << 30, -31), "max * 2^-32, just under one half");
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
        public void Requantization_stays_within_half_a_step_of_exact_arithmetic()
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

                // Half a step, and the multiplier's own 2^-31 relative error.
                double tolerance = 0.5 + (Math.Abs(exact) * 1e-9);
                Assert.IsTrue(got >= exact - tolerance && got <= exact + tolerance, x + " * " + real + " gave " + got);
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
