using System.Globalization;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Metering.Extraction;

/// <summary>
/// Scores a device's recent receipts for model extraction: its query rate against its own normal rate (which the device
/// reports) and against the fleet's median rate for the same model, and the shares of low-confidence,
/// out-of-distribution and near-duplicate queries the device measured. Pure: the monitor feeds it from the store.
/// </summary>
public static class ExtractionDetector
{
    /// <summary>Evaluates one device's signals (one lookback window) against the other devices' rates.</summary>
    /// <param name="signals">The device's signal records in the window, any order.</param>
    /// <param name="fleetRates">Inferences per hour of the other devices of the same model in the same window.</param>
    public static ExtractionVerdict Evaluate(string deviceId, IReadOnlyList<QuerySignalRecord> signals, IReadOnlyList<double> fleetRates, ExtractionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(fleetRates);
        ArgumentNullException.ThrowIfNull(policy);
        if (signals.Count == 0)
        {
            return new ExtractionVerdict(deviceId, string.Empty, 0, 0, 0, 0, 0, 0, 0, 0, [], false);
        }

        string model = signals.GroupBy(s => s.ModelId, StringComparer.Ordinal).MaxBy(g => g.Sum(s => s.Count))!.Key;
        long count = signals.Sum(s => s.Count);
        long observed = signals.Sum(s => s.Observed);
        double rate = RatePerHour(count, signals.Min(s => s.WindowStart), signals.Max(s => s.WindowEnd), policy.MinSpan);

        // The device's normal rate from before the window: the earliest receipt's, before the window could lift it.
        double baseline = signals.OrderBy(s => s.ReceiptSeq).Select(s => (double)s.BaselinePerHour).FirstOrDefault(b => b > 0);
        double fleet = fleetRates.Count >= policy.MinFleetDevices ? Median(fleetRates) : 0;
        double low = Share(signals.Sum(s => s.LowConfidence), observed);
        double ood = Share(signals.Sum(s => s.OutOfDistribution), observed);
        double dup = Share(signals.Sum(s => s.NearDuplicate), observed);

        var tripped = new List<string>();
        double ownRatio = baseline > 0 ? rate / baseline : 0;
        double fleetRatio = fleet > 0 ? rate / fleet : 0;
        if (ownRatio >= policy.RateFactor || fleetRatio >= policy.RateFactor)
        {
            tripped.Add(ownRatio >= fleetRatio
                ? string.Create(CultureInfo.InvariantCulture, $"rate {rate:F0}/h is {ownRatio:F1}x its normal {baseline:F0}/h")
                : string.Create(CultureInfo.InvariantCulture, $"rate {rate:F0}/h is {fleetRatio:F1}x the fleet median {fleet:F0}/h"));
        }

        if (observed > 0 && low >= policy.LowConfidenceShare)
        {
            tripped.Add(string.Create(CultureInfo.InvariantCulture, $"low confidence {low:P0}"));
        }

        if (observed > 0 && ood >= policy.OutOfDistributionShare)
        {
            tripped.Add(string.Create(CultureInfo.InvariantCulture, $"out of distribution {ood:P0}"));
        }

        if (observed > 0 && dup >= policy.NearDuplicateShare)
        {
            tripped.Add(string.Create(CultureInfo.InvariantCulture, $"near duplicates {dup:P0}"));
        }

        bool flag = observed >= policy.MinObserved && tripped.Count >= policy.MinScore;
        return new ExtractionVerdict(deviceId, model, count, observed, rate, baseline, fleet, low, ood, dup, tripped, flag);
    }

    /// <summary>Inferences per hour over a device-clock span, at least <paramref name="minSpan"/> long.</summary>
    public static double RatePerHour(long count, long windowStart, long windowEnd, TimeSpan minSpan)
    {
        double seconds = Math.Max(windowEnd - windowStart, minSpan.TotalSeconds);
        return seconds <= 0 ? 0 : count * 3600.0 / seconds;
    }

    private static double Share(long part, long whole) => whole <= 0 ? 0 : (double)part / whole;

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
