using System;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Firmware.Core.Protection
{
    /// <summary>
    /// Scores how unlikely one input is under the model's reference input histograms (its drift profile): the mean
    /// surprise, -ln p(bin | group), over every input value, against the reference's own expected surprise (its
    /// entropy). Synthetic queries (noise, inputs built to probe a decision boundary) land in bins the real data
    /// never fills and score far above it. The tables are made once; a score allocates nothing.
    /// </summary>
    public sealed class NoveltyScorer
    {
        private readonly HistogramLayout _layout;
        private readonly float[] _surprise;
        private readonly uint[] _scratch;
        private readonly sbyte[] _pixelToInput = new sbyte[256];
        private readonly float _expected;
        private readonly float _margin;

        /// <param name="marginNats">How far above the reference's expected surprise an input is out of distribution.</param>
        public NoveltyScorer(DriftProfile reference, int inputH, int inputW, int inputC, float inputScale, int inputZeroPoint, float marginNats)
        {
            if (reference == null)
            {
                throw new ArgumentNullException("reference");
            }

            _layout = HistogramLayout.ForProfile(reference, inputH, inputW, inputC);
            int bins = _layout.InputBins;
            int cells = _layout.InputCells;
            if (reference.InputCounts == null || reference.InputCounts.Length != cells)
            {
                throw new ArgumentException("drift profile counts do not match its layout");
            }

            _surprise = new float[cells];
            _scratch = new uint[cells];
            double expected = 0;
            for (int g = 0; g < _layout.Groups; g++)
            {
                double total = 0;
                for (int b = 0; b < bins; b++)
                {
                    total += reference.InputCounts[(g * bins) + b];
                }

                // Add-one smoothing: a bin the reference never filled is very unlikely, not impossible.
                double denominator = total + bins;
                for (int b = 0; b < bins; b++)
                {
                    double p = (reference.InputCounts[(g * bins) + b] + 1.0) / denominator;
                    double s = -Math.Log(p);
                    _surprise[(g * bins) + b] = (float)s;
                    expected += total > 0 ? reference.InputCounts[(g * bins) + b] / total * s : s / bins;
                }
            }

            // Groups hold equal numbers of values for image regions and channels alike, so the per-value mean is the group mean.
            _expected = (float)(expected / _layout.Groups);
            _margin = marginNats;
            QuantMath.FillPixelTable(_pixelToInput, inputScale, inputZeroPoint);
        }

        /// <summary>A scorer for a model's own profile and input quantization; null when the model has none.</summary>
        public static NoveltyScorer ForModel(Int8Model model, float marginNats)
        {
            if (model == null || model.DriftProfile == null)
            {
                return null;
            }

            return new NoveltyScorer(model.DriftProfile, model.InputH, model.InputW, model.InputC, model.InputScale, model.InputZeroPoint, marginNats);
        }

        /// <summary>The reference's expected surprise per value, in nats.</summary>
        public float ExpectedSurprise
        {
            get { return _expected; }
        }

        /// <summary>Values of one input.</summary>
        public int InputLength
        {
            get { return _layout.InputElements; }
        }

        /// <summary>The mean surprise per value of one raw 8-bit input (InputLength values at offset), in nats.</summary>
        public float Surprise(byte[] raw, int offset)
        {
            Array.Clear(_scratch, 0, _scratch.Length);
            _layout.AddPixels(_scratch, raw, offset, _pixelToInput);
            double sum = 0;
            for (int i = 0; i < _scratch.Length; i++)
            {
                if (_scratch[i] != 0)
                {
                    sum += _scratch[i] * _surprise[i];
                }
            }

            return (float)(sum / _layout.InputElements);
        }

        /// <summary>Whether the input's surprise exceeds the reference's expected surprise by more than the margin.</summary>
        public bool IsNovel(byte[] raw, int offset)
        {
            return Surprise(raw, offset) > _expected + _margin;
        }
    }
}
