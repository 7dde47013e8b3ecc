using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Drift;

/// <summary>A cohort: devices of one fleet, board, variant and firmware version. Null parts match anything.</summary>
public sealed record CohortKey(string Fleet, string? Board, string VariantId, string? FirmwareVersion)
{
    public bool Contains(DriftWindowRecord w) =>
        w.Fleet == Fleet && w.VariantId == VariantId && (Board == null || w.Board == Board) && (FirmwareVersion == null || w.FirmwareVersion == FirmwareVersion);

    public override string ToString() => $"{Fleet}/{Board ?? "*"}/{VariantId}/{FirmwareVersion ?? "*"}";
}

/// <summary>A device's drift: its scored windows in order, the open alert if any, and its latest window.</summary>
public sealed record DeviceDrift(
    string DeviceId,
    CohortKey Cohort,
    DriftProfile? Profile,
    IReadOnlyList<(DriftWindowRecord Record, WindowScore Score)> Windows,
    DriftAlert? Alert)
{
    public (DriftWindowRecord Record, WindowScore Score)? Latest => Windows.Count == 0 ? null : Windows[^1];

    public DriftHistograms? LatestHistograms => Latest is { } l ? DriftHistograms.Of(DriftPayload.Decode(l.Record.Payload)) : null;
}

/// <summary>
/// A cohort's drift: round r pools the r-th newest window of each device (0 = the latest), so a cohort has a time line
/// as long as its devices' histories. Hidden (no scores) below the minimum cohort size.
/// </summary>
public sealed record CohortDrift(CohortKey Key, int Devices, bool Shown, DriftProfile? Profile, DriftHistograms? Latest, WindowScore? Score, DriftAlert? Alert, int DriftedDevices);

/// <summary>Per-device and per-cohort detection over stored windows (docs/drift.md).</summary>
public sealed class DriftAnalyzer
{
    private const int MaxCohortRounds = 48;
    private readonly DriftProfiles _profiles;
    private readonly DriftScorer _scorer;

    public DriftAnalyzer(DriftProfiles profiles, DriftScorer? scorer = null)
    {
        _profiles = profiles ?? throw new ArgumentNullException(nameof(profiles));
        _scorer = scorer ?? new DriftScorer();
    }

    public DriftDetectionOptions Options => _scorer.Options;

    public async Task<IReadOnlyList<DeviceDrift>> DevicesAsync(IFleetStore store, DriftWindowQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var windows = await store.DriftWindowsAsync(query, cancellationToken).ConfigureAwait(false);
        return Devices(windows);
    }

    /// <summary>Rescores each device's windows (the stored scores carry only the worst group) and finds open alerts.</summary>
    public IReadOnlyList<DeviceDrift> Devices(IReadOnlyList<DriftWindowRecord> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var result = new List<DeviceDrift>();
        foreach (var device in windows.GroupBy(w => w.DeviceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // The device's current variant: windows of an earlier variant are not compared with this one's reference.
            var ordered = device.OrderBy(w => w.Sequence).ToList();
            var last = ordered[^1];
            var scored = new List<(DriftWindowRecord, WindowScore)>();
            var profile = _profiles.Find(last.VariantId);
            foreach (var w in ordered.Where(w => w.VariantId == last.VariantId))
            {
                scored.Add((w, profile == null ? WindowScore.NotScored(w.SampleCount) : _scorer.Score(profile, DriftPayload.Decode(w.Payload))));
            }

            var cohort = new CohortKey(last.Fleet, last.Board, last.VariantId, last.FirmwareVersion);
            result.Add(new DeviceDrift(device.Key, cohort, profile, scored, OpenAlert(device.Key, last.VariantId, scored.Select(s => (s.Item1.ReceivedAt, s.Item1.Sequence, s.Item2)).ToList())));
        }

        return result;
    }

    /// <summary>Cohorts by fleet, board, variant and firmware (or coarser when <paramref name="by"/> leaves parts null).</summary>
    public IReadOnlyList<CohortDrift> Cohorts(IReadOnlyList<DeviceDrift> devices, Func<DeviceDrift, CohortKey>? by = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        by ??= d => d.Cohort;
        var result = new List<CohortDrift>();
        foreach (var group in devices.GroupBy(by).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            var members = group.Where(d => d.Windows.Count > 0).ToList();
            var profile = members.Select(m => m.Profile).FirstOrDefault(p => p != null);
            int drifted = members.Count(m => m.Alert != null);
            if (members.Count < Options.MinCohortDevices || profile == null)
            {
                result.Add(new CohortDrift(group.Key, members.Count, false, profile, null, null, null, 0));
                continue;
            }

            // Round r: the r-th newest window of each device, pooled; newest round first.
            var rounds = new List<(DateTimeOffset At, long Seq, WindowScore Score, DriftHistograms Pooled)>();
            for (int r = 0; r < MaxCohortRounds; r++)
            {
                var round = members.Where(m => m.Windows.Count > r).Select(m => m.Windows[m.Windows.Count - 1 - r].Record).ToList();
                if (round.Count < Options.MinCohortDevices)
                {
                    break;
                }

                var pooled = DriftHistograms.Pool([.. round.Select(w => DriftPayload.Decode(w.Payload))]);
                var score = _scorer.Score(profile, pooled.Input, pooled.Classes, pooled.Confidence, pooled.Samples, pooled.NoiseScale, pooled.Windows);
                rounds.Add((round.Min(w => w.ReceivedAt), r, score, pooled));
            }

            rounds.Reverse();
            var alert = OpenAlert(group.Key.ToString(), group.Key.VariantId, rounds.Select(x => (x.At, x.Seq, x.Score)).ToList());
            result.Add(new CohortDrift(group.Key, members.Count, true, profile, rounds.Count == 0 ? null : rounds[^1].Pooled, rounds.Count == 0 ? null : rounds[^1].Score, alert, drifted));
        }

        return result;
    }

    /// <summary>
    /// The alert of a time line, oldest first: open when the newest scored windows include a run of at least
    /// <see cref="DriftDetectionOptions.ConsecutiveWindows"/> drifted ones that no clean scored window has closed;
    /// it dates from that run's first window.
    /// </summary>
    public DriftAlert? OpenAlert(string subject, string variantId, IReadOnlyList<(DateTimeOffset At, long Sequence, WindowScore Score)> line)
    {
        ArgumentNullException.ThrowIfNull(line);
        int run = 0;
        int start = -1;
        int lastDrifted = -1;
        for (int i = 0; i < line.Count; i++)
        {
            var s = line[i].Score;
            if (!s.Scored)
            {
                continue; // too few samples: neither opens nor closes
            }

            if (s.Drifted)
            {
                if (run == 0)
                {
                    start = i;
                }

                run++;
                lastDrifted = i;
            }
            else
            {
                run = 0;
            }
        }

        if (run < Options.ConsecutiveWindows || start < 0)
        {
            return null;
        }

        return DriftAlert.From(subject, variantId, line[start].At, line[start].Sequence, run, line[lastDrifted].Score);
    }
}
