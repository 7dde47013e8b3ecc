namespace TinyMLOps.Modelling.Quantization;

/// <summary>Textbook post-training calibration: the observed minimum and maximum.</summary>
public sealed class MinMaxCalibration : ICalibrationStrategy
{
    public (float Min, float Max) Range(ActivationHistogram histogram, float min, float max) => (min, max);
}
