namespace TinyMLOps.Fleet.Metering.Extraction;

/// <summary>
/// When a device's query pattern looks like model extraction (docs/protection.md). Each signal trips on its own
/// threshold; a device with enough observed inferences is flagged when <see cref="MinScore"/> signals trip together,
/// so one unusual but honest trait (a busy device, a dim camera) is not enough.
/// </summary>
public sealed record ExtractionPolicy
{
    /// <summary>Device-clock time the evaluation looks back from the device's newest receipt.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Inferences with signals needed before a device can be flagged.</summary>
    public long MinObserved { get; init; } = 300;

    /// <summary>The rate signal: the device's rate at least this many times its own normal rate or the fleet's median.</summary>
    public double RateFactor { get; init; } = 5;

    /// <summary>Other devices of the model needed for a fleet median.</summary>
    public int MinFleetDevices { get; init; } = 3;

    /// <summary>Shares of observed inferences at or above which a signal trips.</summary>
    public double LowConfidenceShare { get; init; } = 0.4;

    public double OutOfDistributionShare { get; init; } = 0.25;

    public double NearDuplicateShare { get; init; } = 0.25;

    /// <summary>Signals that must trip together.</summary>
    public int MinScore { get; init; } = 2;

    /// <summary>A flagged device gets no new quota tokens until an operator clears it.</summary>
    public bool CutQuota { get; init; } = true;

    /// <summary>Rates are computed over at least this span, so a short burst is not extrapolated wildly.</summary>
    public TimeSpan MinSpan { get; init; } = TimeSpan.FromMinutes(5);
}
