using System;
using nanoFramework.TestFramework;
using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Conformance.Drift
{
    /// <summary>Drift scores and bins on both runtimes, against their textbook definitions.</summary>
    [TestClass]
    public class DriftMathConformanceTests
    {
        [TestMethod]
        public void Psi_is_the_sum_of_weighted_log_ratios()
        {
            uint[] observed = new uint[] { 10, 30, 60, 0 };
            uint[] reference = new uint[] { 25, 25, 25, 25 };
            double expected = 0;
            for (int i = 0; i < 4; i++)
            {
                double p = observed[i] == 0 ? DriftMath.EmptyBinProportion : observed[i] / 100.0;
                double q = reference[i] / 100.0;
                expected += (p - q) * Math.Log(p / q);
            }

            Assert.IsTrue(Math.Abs(DriftMath.Psi(observed, reference, 0, 4) - expected) < 1e-12, "PSI " + DriftMath.Psi(observed, reference, 0, 4));
            Assert.AreEqual(0.0, DriftMath.Psi(reference, reference, 0, 4), "PSI of identical histograms");
            Assert.AreEqual(0.0, DriftMath.Psi(new uint[4], reference, 0, 4), "PSI without observations");
        }

        [TestMethod]
        public void Jensen_shannon_is_zero_for_equal_and_one_for_disjoint_histograms()
        {
            uint[] a = new uint[] { 5, 0, 0, 5 };
            uint[] b = new uint[] { 0, 5, 5, 0 };
            Assert.IsTrue(DriftMath.JensenShannon(a, a, 0, 4) < 1e-12, "equal");
            Assert.IsTrue(Math.Abs(DriftMath.JensenShannon(a, b, 0, 4) - 1.0) < 1e-12, "disjoint");
        }

        [TestMethod]
        public void Milli_rounds_and_clamps_into_its_field()
        {
            Assert.AreEqual(250, DriftMath.Milli(0.2504), "0.2504");
            Assert.AreEqual(0, DriftMath.Milli(-3), "negative");
            Assert.AreEqual(DriftMath.NotComputed - 1, DriftMath.Milli(1e9), "huge");
            Assert.AreEqual(DriftMath.NotComputed, DriftMath.Milli(double.NaN), "NaN");
        }

        [TestMethod]
        public void Inputs_and_confidences_fall_into_their_bins()
        {
            Assert.AreEqual(0, HistogramLayout.InputBin(-128, 16), "lowest input");
            Assert.AreEqual(15, HistogramLayout.InputBin(127, 16), "highest input");
            Assert.AreEqual(8, HistogramLayout.InputBin(0, 16), "zero");
            Assert.AreEqual(9, HistogramLayout.ConfidenceBin(65535, 10), "full confidence");
            Assert.AreEqual(9, HistogramLayout.ConfidenceBin(100000, 10), "clamped confidence");
            Assert.AreEqual(0, HistogramLayout.ConfidenceBin(-5, 10), "negative confidence");
            Assert.AreEqual(4, HistogramLayout.ConfidenceBin(32767, 10), "half");
        }
    }
}
