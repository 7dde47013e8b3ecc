namespace TinyMLOps.Fleet.Store;

/// <summary>
/// One drift window a device sent (message kind 10), with the cohort the device belonged to when it arrived and the
/// host's scores against the variant's reference profile. The payload is kept as sent, so the histograms can be
/// re-scored or pooled later; the scores are what alerts and reports filter on.
/// </summary>
/// <param name="Scored">False when no reference profile was found for the variant (scores are then 0).</param>
/// <param name="InputPsi">The noise-corrected PSI of the worst input group.</param>
/// <param name="Feature">That group's index.</param>
/// <param name="MeanConfidence">Mean top-1 confidence of the window in [0, 1], from the confidence histogram.</param>
/// <param name="Drifted">The window passed the detection rule (see docs/drift.md).</param>
public sealed record DriftWindowRecord(
    string DeviceId,
    long Sequence,
    string Fleet,
    string Board,
    string FirmwareVersion,
    string VariantId,
    long WindowStart,
    long WindowSeconds,
    long SampleCount,
    double Epsilon,
    int Flags,
    bool Scored,
    double InputPsi,
    int Feature,
    double ClassPsi,
    double ConfidencePsi,
    double MeanConfidence,
    bool Drifted,
    DateTimeOffset ReceivedAt,
    byte[] Payload);

/// <summary>Which drift windows to read: every filter that is set must match.</summary>
public sealed record DriftWindowQuery
{
    public string? DeviceId { get; init; }

    public string? Fleet { get; init; }

    public string? Board { get; init; }

    public string? VariantId { get; init; }

    public string? FirmwareVersion { get; init; }

    /// <summary>Only windows received at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }
}
