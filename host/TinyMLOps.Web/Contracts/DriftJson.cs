using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>`drift report --output json`: the scores the tables print and the open alerts with their evidence (PSI null where not scored; JSON has no NaN).</summary>
public static class DriftJson
{
    public static Report Of(IReadOnlyList<CohortDrift> cohorts, IReadOnlyList<DeviceDrift> devices, int minCohortDevices) => new(
        devices.Count,
        minCohortDevices,
        [.. cohorts.Select(c => new Cohort(
            Key.Of(c.Key), c.Devices, c.Shown, c.Profile != null, c.Shown ? Score.Of(c.Score) : null, c.DriftedDevices, c.Alert == null ? null : Alert.Of(c.Alert)))],
        [.. devices.Where(d => d.Alert != null).Select(d => Alert.Of(d.Alert!))]);

    public static Device Of(DeviceDrift d) => new(
        d.DeviceId,
        Key.Of(d.Cohort),
        d.Profile != null,
        [.. d.Windows.TakeLast(24).Select(w => new Window(
            w.Record.Sequence, w.Record.ReceivedAt, w.Record.SampleCount, Num(w.Record.Epsilon), (w.Record.Flags & 1) != 0, Score.Of(w.Score)))],
        d.Alert == null ? null : Alert.Of(d.Alert));

    private static double? Num(double v) => double.IsFinite(v) ? v : null;

    public sealed record Report(int Devices, int MinCohortDevices, IReadOnlyList<Cohort> Cohorts, IReadOnlyList<Alert> DeviceAlerts);

    public sealed record Device(string DeviceId, Key Cohort, bool HasProfile, IReadOnlyList<Window> Windows, Alert? Alert);

    public sealed record Key(string Name, string Fleet, string? Board, string VariantId, string? FirmwareVersion)
    {
        public static Key Of(CohortKey k) => new(k.ToString(), k.Fleet, k.Board, k.VariantId, k.FirmwareVersion);
    }

    public sealed record Cohort(Key Key, int Devices, bool Shown, bool HasProfile, Score? Score, int DriftedDevices, Alert? Alert);

    public sealed record Window(long Sequence, DateTimeOffset ReceivedAt, long Samples, double? Epsilon, bool DeviceAlarm, Score? Score);

    /// <summary>A window's score: not scored (no profile, too few samples) gives nulls and drifted false.</summary>
    public sealed record Score(bool Scored, bool Drifted, int? WorstRegion, double? InputPsi, double? ClassPsi, double? ConfidencePsi, double? MeanConfidence, double? ConfidenceShift)
    {
        public static Score? Of(WindowScore? s) => s switch
        {
            null => null,
            { Scored: false } => new Score(false, false, null, null, null, null, null, null),
            _ => new Score(
                true, s.Drifted, s.WorstGroup, s.Groups.Count == 0 ? null : Num(s.Groups[s.WorstGroup].Psi), Num(s.Classes.Psi), Num(s.Confidence.Psi), Num(s.MeanConfidence), Num(s.ConfidenceShift)),
        };
    }

    public sealed record Alert(
        string Subject, string VariantId, DateTimeOffset Since, long SinceSequence, int Windows, IReadOnlyList<Feature> InputRegions,
        double? ClassPsi, bool ClassDrifted, double? ConfidencePsi, bool ConfidenceDrifted, double? ConfidenceShift, string Description)
    {
        public static Alert Of(DriftAlert a) => new(
            a.Subject, a.VariantId, a.Since, a.SinceSequence, a.Windows, [.. a.Features.Select(f => new Feature(f.Group, Num(f.Psi)))],
            Num(a.ClassPsi), a.ClassDrifted, Num(a.ConfidencePsi), a.ConfidenceDrifted, Num(a.ConfidenceShift), a.Describe());
    }

    public sealed record Feature(int Region, double? Psi);
}
