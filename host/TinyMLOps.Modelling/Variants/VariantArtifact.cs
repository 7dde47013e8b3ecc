using TinyMLOps.Modelling.Inspection;

namespace TinyMLOps.Modelling.Variants;

/// <summary>
/// A built variant: the immutable int8 model file, addressed by its content hash, with the accuracy measured
/// on held-out data and its cost summary. Release notes say what changed and why.
/// </summary>
public sealed record VariantArtifact(
    string VariantId,
    string ModelId,
    int Version,
    string ContentHash,
    string Architecture,
    double Width,
    double Accuracy,
    int HeldOutImages,
    ModelSummary Summary,
    string ReleaseNotes,
    DateTimeOffset CreatedAt)
{
    public IReadOnlyList<string> Kernels => Summary.Layers.Select(l => KernelOf(l.Op)).Distinct().ToList();

    /// <summary>The kernel name of a layer description ("Conv2D 3x3/1 same" → "Conv2D").</summary>
    public static string KernelOf(string op)
    {
        int space = op.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? op : op[..space];
    }
}
