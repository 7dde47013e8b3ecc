using System.Globalization;

namespace TinyMLOps.Fleet.Metering;

/// <summary>Prices per 1,000 inferences: one per model where set, else the default.</summary>
public sealed record PriceList(decimal DefaultPer1000, IReadOnlyDictionary<string, decimal> PerModel)
{
    /// <summary>The price when nothing is configured: 0.50 per 1,000 inferences.</summary>
    public const decimal StandardPer1000 = 0.50m;

    public static PriceList Standard { get; } = new(StandardPer1000, new Dictionary<string, decimal>(StringComparer.Ordinal));

    public decimal For(string modelId) => PerModel.TryGetValue(modelId, out decimal price) ? price : DefaultPer1000;

    /// <summary>Parses "MODEL=PRICE" entries (invariant culture, e.g. "my-model=1.25") over a default price.</summary>
    public static PriceList Parse(IEnumerable<string> entries, decimal defaultPer1000 = StandardPer1000)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (defaultPer1000 < 0)
        {
            throw new ArgumentException("the default price must not be negative");
        }

        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (string entry in entries)
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !decimal.TryParse(entry[(eq + 1)..], NumberStyles.Number, CultureInfo.InvariantCulture, out decimal price) || price < 0)
            {
                throw new ArgumentException($"'{entry}' is not MODEL=PRICE (a price per 1,000 inferences, e.g. my-model=1.25)");
            }

            prices[entry[..eq]] = price;
        }

        return new PriceList(defaultPer1000, prices);
    }
}
