using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Contracts;

/// <summary>A rollout as `variant rollouts --output json` gives it; with its health, verdict and devices when one is asked for.</summary>
public sealed record RolloutJson(
    long RolloutId,
    string VariantId,
    int Version,
    string ContentHash,
    string Role,
    string? Fleet,
    string? Board,
    string? Cohort,
    int Percent,
    IReadOnlyList<int> Stages,
    string State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, int> DevicesByState)
{
    public bool Paused => State == RolloutStates.Paused;

    public static RolloutJson Of(RolloutRecord r, IReadOnlyList<RolloutDeviceRecord> devices) => new(
        r.RolloutId, r.VariantId, r.Version, r.ContentHash, VariantAssignment.RoleName(r.Role), r.Fleet, r.Board, r.Cohort, r.Percent,
        [.. r.Stages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))],
        r.State, r.Reason, r.CreatedAt, r.UpdatedAt,
        devices.GroupBy(d => d.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    /// <summary>One rollout in detail: the new variant's and the previous variants' health, the verdict and every device.</summary>
    public sealed record Detail(RolloutJson Rollout, Health Candidate, Health Baseline, Verdict Verdict, IReadOnlyList<Device> Devices)
    {
        public static Detail Of(RolloutStatus s) => new(
            RolloutJson.Of(s.Rollout, s.Devices), Health.Of(s.Candidate), Health.Of(s.Baseline), new Verdict(s.Verdict.Bad, s.Verdict.Enough, s.Verdict.Reason),
            [.. s.Devices.Select(d => new Device(d.DeviceId, d.State, d.PreviousVariant.Length == 0 ? null : d.PreviousVariant, d.AssignedAt, d.InstalledAt, d.Detail))]);
    }

    public sealed record Health(int Devices, long Inferences, long Errors, double ErrorRate, double MeanConfidence, double? Drift)
    {
        public static Health Of(HealthSummary h) => new(h.Devices, h.Inferences, h.Errors, h.ErrorRate, h.MeanConfidence, h.Drift);
    }

    public sealed record Verdict(bool Bad, bool Enough, string Reason);

    public sealed record Device(string DeviceId, string State, string? PreviousVariant, DateTimeOffset AssignedAt, DateTimeOffset? InstalledAt, string Detail);
}
