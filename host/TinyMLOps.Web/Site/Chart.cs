using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyMLOps.Web.Site;

/// <summary>
/// One chart of the console: what the script draws with uPlot, and what the page shows as a table for those who
/// cannot see it. <see cref="Json"/> is written by System.Text.Json, which escapes &lt;, &gt; and &amp;, so device-supplied
/// labels cannot close the script element that carries it.
/// </summary>
public sealed class Chart
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public Chart(string id, string title, string xLabel, string yLabel)
    {
        Id = id;
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    public string Id { get; }

    /// <summary>The chart's accessible name and caption.</summary>
    public string Title { get; }

    public string XLabel { get; }

    public string YLabel { get; }

    /// <summary>"line" over time (x in Unix seconds) or "bars" over <see cref="Categories"/>.</summary>
    public string Kind { get; init; } = "line";

    /// <summary>Unix seconds (line charts) or category indexes (bar charts).</summary>
    public IReadOnlyList<double> X { get; init; } = [];

    public IReadOnlyList<string>? Categories { get; init; }

    public IReadOnlyList<ChartSeries> Series { get; init; } = [];

    /// <summary>A horizontal line (a threshold), or null.</summary>
    public double? Threshold { get; init; }

    public bool IsEmpty => X.Count == 0 || Series.Count == 0;

    public string Json => JsonSerializer.Serialize(
        new { kind = Kind, x = X, categories = Categories, xLabel = XLabel, yLabel = YLabel, threshold = Threshold, series = Series.Select(s => new { label = s.Label, values = s.Values }) },
        Options);

    /// <summary>The x value of row <paramref name="i"/> as the table shows it.</summary>
    public string XText(int i) =>
        Categories != null ? Categories[(int)X[i]] : DateTimeOffset.FromUnixTimeSeconds((long)X[i]).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
}
