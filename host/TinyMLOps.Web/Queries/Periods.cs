using System.Globalization;

namespace TinyMLOps.Web.Queries;

/// <summary>The times the meter verbs and routes take: a date or ISO time (UTC unless it says otherwise), or a duration ago ("7d", "12h", "30m", "90s").</summary>
public static class Periods
{
    /// <summary>"7d", "12h", "30m", "90s"; an ArgumentException otherwise.</summary>
    public static TimeSpan Duration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'd': return TimeSpan.FromDays(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 's': return TimeSpan.FromSeconds(n);
            }
        }

        throw new ArgumentException($"'{text}' is not a duration like 7d, 12h, 30m or 90s");
    }

    /// <summary>A point in time, null for none.</summary>
    public static DateTimeOffset? Time(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        return now - Duration(text);
    }
}
