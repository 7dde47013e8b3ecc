namespace TinyMLOps.Fleet.Metering.Extraction;

/// <summary>One evaluation of a device's query pattern: the measured figures, the signals that tripped and the decision.</summary>
public sealed record ExtractionVerdict(
    string DeviceId,
    string ModelId,
    long Count,
    long Observed,
    double RatePerHour,
    double BaselinePerHour,
    double FleetPerHour,
    double LowShare,
    double OodShare,
    double DupShare,
    IReadOnlyList<string> Tripped,
    bool Flag)
{
    public int Score => Tripped.Count;

    public string Reasons => Tripped.Count == 0 ? "none" : string.Join("; ", Tripped);
}
