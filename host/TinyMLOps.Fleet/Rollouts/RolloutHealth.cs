using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>Model-health windows of one variant pooled over devices.</summary>
public sealed record HealthSummary(int Devices, long Inferences, long Errors, double MeanConfidence, double? Drift)
{
    public static readonly HealthSummary Empty = new(0, 0, 0, 0, null);

    public double ErrorRate => Inferences + Errors == 0 ? 0 : (double)Errors / (Inferences + Errors);

    /// <summary>Pools windows (device id, payload): confidence and drift weighted by inferences.</summary>
    public static HealthSummary Pool(IEnumerable<(string DeviceId, ModelHealthPayload Health)> windows)
    {
        var devices = new HashSet<string>();
        long inferences = 0, errors = 0;
        double confidence = 0, drift = 0;
        long driftWeight = 0;
        foreach (var (device, h) in windows)
        {
            devices.Add(device);
            inferences += h.Inferences;
            errors += h.Errors;
            confidence += h.MeanConfidence / 65535.0 * h.Inferences;
            if (h.DriftMilli != ModelHealthPayload.NoDrift && h.Inferences > 0)
            {
                drift += h.DriftMilli / 1000.0 * h.Inferences;
                driftWeight += h.Inferences;
            }
        }

        return new HealthSummary(devices.Count, inferences, errors, inferences == 0 ? 0 : confidence / inferences, driftWeight == 0 ? null : drift / driftWeight);
    }
}

/// <summary>The judgement of a rollout's new variant: healthy, bad (with the evidence), or not enough data yet.</summary>
public sealed record HealthVerdict(bool Bad, bool Enough, string Reason);

public static class RolloutJudge
{
    /// <summary>Compares the new variant's pooled health with the old one's under the policy.</summary>
    public static HealthVerdict Judge(RolloutPolicy policy, HealthSummary candidate, HealthSummary baseline, int loadFailures)
    {
        if (loadFailures >= policy.MaxLoadFailures)
        {
            return new HealthVerdict(true, true, $"{loadFailures} device(s) could not load the new variant and went back by themselves");
        }

        if (candidate.Errors >= policy.MinErrors)
        {
            double limit = Math.Max(policy.MaxErrorRate, baseline.ErrorRate * policy.ErrorRateFactor);
            if (candidate.ErrorRate > limit)
            {
                return new HealthVerdict(true, true, $"error rate {candidate.ErrorRate:P1} ({candidate.Errors} errors on {candidate.Devices} device(s)) over the limit {limit:P1} (old variant {baseline.ErrorRate:P1})");
            }
        }

        bool enough = candidate.Inferences >= policy.MinInferences;
        if (enough && baseline.Inferences >= policy.MinInferences && candidate.MeanConfidence < baseline.MeanConfidence - policy.MaxConfidenceDrop)
        {
            return new HealthVerdict(true, true, $"mean confidence {candidate.MeanConfidence:0.000} against {baseline.MeanConfidence:0.000} on the old variant (drop over {policy.MaxConfidenceDrop:0.000})");
        }

        if (enough && candidate.Drift is { } d && baseline.Drift is { } b && d > b + policy.MaxDriftIncrease)
        {
            return new HealthVerdict(true, true, $"drift {d:0.000} against {b:0.000} on the old variant (rise over {policy.MaxDriftIncrease:0.000})");
        }

        return new HealthVerdict(false, enough, enough
            ? $"healthy: {candidate.Inferences} inferences on {candidate.Devices} device(s), error rate {candidate.ErrorRate:P1}, confidence {candidate.MeanConfidence:0.000} (old {baseline.MeanConfidence:0.000})"
            : $"waiting for data: {candidate.Inferences} of {policy.MinInferences} inferences");
    }
}
