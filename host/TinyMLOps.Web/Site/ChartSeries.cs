namespace TinyMLOps.Web.Site;

/// <summary>One line or set of bars of a <see cref="Chart"/>; a null value is a gap.</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double?> Values);
