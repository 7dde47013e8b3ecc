using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>An extraction suspect as `meter suspects --output json` gives it: rates per hour, the ratios the table shows (null without a baseline) and shares as fractions.</summary>
public sealed record SuspectJson(
    string DeviceId,
    string State,
    int Score,
    string Reasons,
    string ModelId,
    long Observed,
    double RatePerHour,
    double BaselinePerHour,
    double FleetPerHour,
    double? RateVsOwn,
    double? RateVsFleet,
    double LowConfidenceShare,
    double OutOfDistributionShare,
    double NearDuplicateShare,
    bool QuotaCut,
    DateTimeOffset EvaluatedAt,
    DateTimeOffset? FlaggedAt,
    DateTimeOffset? ClearedAt,
    string Note)
{
    public static SuspectJson Of(ExtractionSuspectRecord s) => new(
        s.DeviceId, s.State, s.Score, s.Reasons, s.ModelId, s.Observed, s.RatePerHour, s.BaselinePerHour, s.FleetPerHour,
        Ratio(s.RatePerHour, s.BaselinePerHour), Ratio(s.RatePerHour, s.FleetPerHour), s.LowShare, s.OodShare, s.DupShare, s.QuotaCut,
        s.EvaluatedAt, s.FlaggedAt, s.ClearedAt, s.Note);

    private static double? Ratio(double rate, double baseline) => baseline > 0 && double.IsFinite(rate / baseline) ? rate / baseline : null;
}
