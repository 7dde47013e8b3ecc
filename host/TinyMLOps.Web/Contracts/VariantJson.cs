using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Web.Contracts;

/// <summary>A variant as `variant ls --output json` gives it: the table's columns as numbers, with the estimated cost on every board.</summary>
public sealed record VariantJson(
    string VariantId,
    string ModelId,
    int Version,
    string ContentHash,
    string Architecture,
    double Width,
    double Accuracy,
    int HeldOut,
    long Macs,
    int FlashBytes,
    int ArenaBytes,
    DateTimeOffset CreatedAt,
    IReadOnlyList<VariantJson.BoardCost> Boards)
{
    public static VariantJson Of(VariantArtifact v, IReadOnlyList<BoardProfile> boards, SelectionPolicy policy) => new(
        v.VariantId, v.ModelId, v.Version, v.ContentHash, v.Architecture, v.Width, v.Accuracy, v.HeldOutImages, v.Summary.Macs, v.Summary.FlashBytes, v.Summary.ArenaBytes, v.CreatedAt,
        [.. boards.Select(b => CostModel.Estimate(b, v.Summary, policy.NativeKernels) is var c && c.Fits
            ? new BoardCost(b.Id, true, c.LatencyMs, c.EnergyMillijoules)
            : new BoardCost(b.Id, false, null, null))]);

    /// <summary>Latency and energy are null where the variant does not fit the board.</summary>
    public sealed record BoardCost(string Board, bool Fits, double? LatencyMs, double? EnergyMillijoules);
}
