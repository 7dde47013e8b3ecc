using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Modelling.Drift;

/// <summary>
/// How a variant's input values group into drift histograms (<see cref="HistogramLayout"/>): cells of a grid over the
/// input's height and width (image regions; a 1 x W grid makes one group per column, the MFCC coefficients or spectral
/// bands of a feature map), or one group per channel (sensor channels, table columns).
/// </summary>
public sealed record DriftGroups(int Kind, int GridH, int GridW, string Description)
{
    /// <summary>A grid of image regions (clipped to the input).</summary>
    public static DriftGroups Regions(int gridH, int gridW) => new(HistogramLayout.KindImageRegions, gridH, gridW, $"{gridH}x{gridW} image regions");

    /// <summary>One group per column of the H x W map (a cepstral coefficient, a frequency band), over all rows.</summary>
    public static DriftGroups Columns(int width, string what) => new(HistogramLayout.KindImageRegions, 1, width, $"{width} {what}");

    /// <summary>One group per input channel (sensor channels, table columns).</summary>
    public static DriftGroups PerChannel(int channels, string what) => new(HistogramLayout.KindPerChannel, 0, 0, $"{channels} {what}");

    /// <summary>The default for an input shape: a 4 x 4 grid of regions when it fits, else one group per channel.</summary>
    public static DriftGroups For(int inputH, int inputW, int inputC, int grid = HistogramLayout.DefaultGrid) =>
        inputH >= grid && inputW >= grid
            ? Regions(grid, grid)
            : PerChannel(inputC, inputC == 1 ? "channel" : "channels");
}
