namespace TinyMLOps.Shared.Drift
{
    /// <summary>
    /// The drift scores of one window against a reference: PSI per input group (max and mean), PSI of the predicted
    /// class and of the top-1 confidence, and the mean Jensen-Shannon divergence of the input groups. One instance is
    /// reused, so computing allocates nothing.
    /// </summary>
    public sealed class DriftScores
    {
        public double InputPsiMax;

        /// <summary>The input group with the largest PSI.</summary>
        public int InputPsiMaxGroup;

        public double InputPsiMean;
        public double ClassPsi;
        public double ConfidencePsi;

        /// <summary>Mean over the input groups, base 2.</summary>
        public double InputJensenShannon;

        /// <summary>The score the alarm compares with its threshold: the largest of input max, class and confidence PSI.</summary>
        public double MaxPsi
        {
            get
            {
                double max = InputPsiMax > ClassPsi ? InputPsiMax : ClassPsi;
                return max > ConfidencePsi ? max : ConfidencePsi;
            }
        }

        /// <summary>Scores histograms laid out like <paramref name="reference"/> (same F, B, C, K).</summary>
        public void Compute(uint[] inputCounts, uint[] classCounts, uint[] confidenceCounts, DriftProfile reference)
        {
            int bins = reference.InputBins;
            int groups = reference.Groups;
            double sum = 0;
            double js = 0;
            InputPsiMax = 0;
            InputPsiMaxGroup = 0;
            for (int g = 0; g < groups; g++)
            {
                double psi = DriftMath.Psi(inputCounts, reference.InputCounts, g * bins, bins);
                sum += psi;
                js += DriftMath.JensenShannon(inputCounts, reference.InputCounts, g * bins, bins);
                if (psi > InputPsiMax)
                {
                    InputPsiMax = psi;
                    InputPsiMaxGroup = g;
                }
            }

            InputPsiMean = sum / groups;
            InputJensenShannon = js / groups;
            ClassPsi = DriftMath.Psi(classCounts, reference.ClassCounts, 0, reference.Classes);
            ConfidencePsi = DriftMath.Psi(confidenceCounts, reference.ConfidenceCounts, 0, reference.ConfidenceBins);
        }
    }
}
