using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Shared.Runtime
{
    /// <summary>
    /// The anomaly score of an autoencoder (<see cref="OutputKind.Anomaly"/>), in integers so that every runtime
    /// decides alike: the reconstruction error of each value, (output - zo) · so - (input - zi) · si, in units of
    /// si / 2^<see cref="FracBits"/>, squared and summed in 64 bits. The mean squared error in real units is that sum
    /// times (si / 2^F)² / N; the model's threshold becomes a sum once, so the decision compares two integers.
    /// The host's threshold calibration uses this class too, so a threshold means the same on both sides.
    /// </summary>
    public sealed class AnomalyScore
    {
        /// <summary>Fraction bits of the error: int8 steps of the input are 2^12 units.</summary>
        public const int FracBits = 12;

        /// <summary>One error is clamped to ±2^26 units, so up to 2^11 squares add up without overflow.</summary>
        private const int ErrorLimit = 1 << 26;

        private readonly int _length;
        private readonly int _inputZeroPoint;
        private readonly int _outputZeroPoint;
        private readonly int _multiplier;
        private readonly int _shift;
        private readonly double _unit;
        private readonly long _thresholdSum;

        /// <exception cref="ModelFormatException">The model's output does not reconstruct its input.</exception>
        public AnomalyScore(Int8Model model)
        {
            if (model == null)
            {
                throw new ArgumentNullException("model");
            }

            Operator output = model.Output;
            if (output.OutputElements != model.InputElements)
            {
                throw new ModelFormatException("an anomaly model reconstructs its input: " + output.OutputElements + " outputs for " + model.InputElements + " inputs");
            }

            _length = model.InputElements;
            _inputZeroPoint = model.InputZeroPoint;
            _outputZeroPoint = output.OutZeroPoint;
            QuantMath.QuantizeMultiplier((double)output.OutScale / model.InputScale, out _multiplier, out _shift);
            double step = model.InputScale / (double)(1 << FracBits);
            _unit = step * step / _length;

            // The smallest sum whose mean squared error reaches the threshold (a ceiling: the facade has no Math.Ceiling).
            double t = model.AnomalyThreshold / _unit;
            if (!(t > 0))
            {
                _thresholdSum = 0;
            }
            else if (t >= 4.0e18)
            {
                _thresholdSum = 4000000000000000000L;
            }
            else
            {
                long whole = (long)t;
                _thresholdSum = whole < t ? whole + 1 : whole;
            }
        }

        /// <summary>Values per sample (the model's input and output length).</summary>
        public int Length
        {
            get { return _length; }
        }

        /// <summary>The threshold as a sum of squared errors: a sample is anomalous when its sum reaches it.</summary>
        public long ThresholdSum
        {
            get { return _thresholdSum; }
        }

        /// <summary>The sum of squared errors between the int8 input and the int8 output (each <see cref="Length"/> values).</summary>
        public long SquaredErrorSum(sbyte[] input, int inputOffset, sbyte[] output, int outputOffset)
        {
            long sum = 0;
            for (int i = 0; i < _length; i++)
            {
                int reconstructed = QuantMath.MultiplyByQuantizedMultiplier((output[outputOffset + i] - _outputZeroPoint) << FracBits, _multiplier, _shift);
                int d = reconstructed - ((input[inputOffset + i] - _inputZeroPoint) << FracBits);
                d = d > ErrorLimit ? ErrorLimit : (d < -ErrorLimit ? -ErrorLimit : d);
                sum += (long)d * d;
            }

            return sum;
        }

        /// <summary>A sum of squared errors as the mean squared error in the input's real units.</summary>
        public double MeanSquaredError(long sum)
        {
            return sum * _unit;
        }

        /// <summary>Class 1 (anomaly) when the sum reaches the threshold, else 0 (normal).</summary>
        public int Classify(long sum)
        {
            return sum >= _thresholdSum ? 1 : 0;
        }

        /// <summary>
        /// How sure the decision is, in 1/65535: one half at the threshold, towards one as the score moves away from it
        /// (0.5 + 0.5 |s - t| / (s + t)).
        /// </summary>
        public int Confidence(long sum)
        {
            long s = sum;
            long t = _thresholdSum;
            while (s > (1L << 40) || t > (1L << 40))
            {
                s >>= 1;
                t >>= 1;
            }

            if (s + t == 0)
            {
                return 32768;
            }

            long distance = s > t ? s - t : t - s;
            return (int)(32768 + (32767 * distance / (s + t)));
        }
    }
}
