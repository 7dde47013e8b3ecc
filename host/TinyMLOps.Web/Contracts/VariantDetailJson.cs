namespace TinyMLOps.Web.Contracts;

/// <summary>
/// One variant (GET /api/v1/variants/{id}): every version, newest last, with the release notes, and for each board
/// what `variant explain` would say of the newest version on a nominal device of that board (whole app RAM and flash free, plugged in).
/// </summary>
public sealed record VariantDetailJson(string VariantId, IReadOnlyList<VariantDetailJson.Version> Versions, IReadOnlyList<VariantDetailJson.BoardFit> Boards)
{
    public sealed record Version(VariantJson Variant, string ReleaseNotes, int Layers);

    /// <summary>Selected as the plugged-in or the battery variant of a nominal device, and the selector's verdict on it.</summary>
    public sealed record BoardFit(string Board, bool Fits, bool Plugged, bool Battery, double LatencyMs, double EnergyMillijoules, long RamBytes, string Verdict);
}
