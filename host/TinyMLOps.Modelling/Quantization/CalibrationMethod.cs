namespace TinyMLOps.Modelling.Quantization;

/// <summary>How a layer output's int8 range is chosen from what calibration saw.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum: nothing saturates, but one outlier stretches every step.</summary>
    MinMax,

    /// <summary>The (100 - p)th and p-th percentiles of the values: the rarest values saturate.</summary>
    Percentile,

    /// <summary>The range whose int8 rounding plus saturation error over the observed values is smallest.</summary>
    Mse,
}

/// <summary>Chooses the real range [Min, Max] one tensor is quantized over from its calibration statistics.</summary>
public interface ICalibrationStrategy
{
    (float Min, float Max) Range(ActivationHistogram histogram, float min, float max);
}

public static class CalibrationStrategies
{
    /// <summary>The strategy of <paramref name="method"/>; <paramref name="percentile"/> is used by <see cref="CalibrationMethod.Percentile"/>.</summary>
    public static ICalibrationStrategy For(CalibrationMethod method, double percentile = PercentileCalibration.DefaultPercentile) => method switch
    {
        CalibrationMethod.MinMax => new MinMaxCalibration(),
        CalibrationMethod.Percentile => new PercentileCalibration(percentile),
        CalibrationMethod.Mse => new MseCalibration(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown calibration method"),
    };

    /// <summary>Parses a command-line name: minmax, percentile or mse.</summary>
    public static CalibrationMethod Parse(string name) => name.ToLowerInvariant() switch
    {
        "minmax" or "min-max" => CalibrationMethod.MinMax,
        "percentile" => CalibrationMethod.Percentile,
        "mse" => CalibrationMethod.Mse,
        _ => throw new ArgumentException($"unknown calibration method '{name}' (minmax, percentile, mse)", nameof(name)),
    };

    public static string Name(CalibrationMethod method) => method switch
    {
        CalibrationMethod.MinMax => "minmax",
        CalibrationMethod.Percentile => "percentile",
        _ => "mse",
    };
}
