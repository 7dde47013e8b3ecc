using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>What `drift report|plot` and the drift routes read: a device's scored windows, or the cohorts of a fleet or of one cohort, against the registry's profiles.</summary>
public static class DriftQueries
{
    /// <summary>The reference profiles of the registry's variants; none without a registry (windows stay unscored).</summary>
    public static DriftProfiles Profiles(string? registry) =>
        !string.IsNullOrEmpty(registry) && Directory.Exists(registry) ? DriftProfiles.FromRegistry(VariantRegistry.Open(registry)) : DriftProfiles.None;

    /// <summary>fleet/board/variant/firmware with * for any board or firmware; an ArgumentException otherwise.</summary>
    public static CohortKey ParseCohort(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Split('/');
        if (parts.Length != 4 || parts[0].Length == 0 || parts[0] == "*" || parts[2].Length == 0 || parts[2] == "*")
        {
            throw new ArgumentException($"cohort '{spec}' is not fleet/board/variant/firmware (fleet and variant required, * for any board or firmware)");
        }

        static string? Any(string p) => p is "*" or "" ? null : p;
        return new CohortKey(parts[0], Any(parts[1]), parts[2], Any(parts[3]));
    }

    /// <summary>One device's drift, or null when it sent no drift windows.</summary>
    public static async Task<DeviceDrift?> DeviceAsync(IFleetStore store, DriftAnalyzer analyzer, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        return (await analyzer.DevicesAsync(store, new DriftWindowQuery { DeviceId = deviceId }, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>The devices with windows in a fleet (every fleet when null) or in one cohort, and their cohorts (one when a cohort is given).</summary>
    public static async Task<(IReadOnlyList<DeviceDrift> Devices, IReadOnlyList<CohortDrift> Cohorts)> CohortsAsync(
        IFleetStore store, DriftAnalyzer analyzer, string? fleet, CohortKey? cohort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        var query = new DriftWindowQuery { Fleet = cohort?.Fleet ?? fleet, VariantId = cohort?.VariantId, Board = cohort?.Board, FirmwareVersion = cohort?.FirmwareVersion };
        IReadOnlyList<DeviceDrift> devices = await analyzer.DevicesAsync(store, query, cancellationToken).ConfigureAwait(false);
        return (devices, analyzer.Cohorts(devices, cohort == null ? null : _ => cohort));
    }

    /// <summary>The evidence `drift report` charts for a scored cohort (its latest pooled round), or null when it has none.</summary>
    public static DriftEvidenceJson? Evidence(CohortDrift cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return cohort is { Shown: true, Profile: { } profile, Latest: { } latest, Score: { Scored: true } score } ? DriftEvidenceJson.Of(profile, latest, score) : null;
    }
}
