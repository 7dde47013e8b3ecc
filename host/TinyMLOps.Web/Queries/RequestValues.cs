using System.Globalization;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Queries;

/// <summary>Values the console's options and the API's bodies both give as text: the role and durations.</summary>
public static class RequestValues
{
    /// <param name="name">How the caller names the value in its error (--role, role).</param>
    public static int ParseRole(string role, string name = "role") => role.ToLowerInvariant() switch
    {
        "plugged" or "1" => VariantAssignment.RolePlugged,
        "battery" or "2" => VariantAssignment.RoleBattery,
        _ => throw new ArgumentException($"{name} is plugged or battery, not '{role}'"),
    };

    /// <summary>"90s", "30m", "1h", "2d" or a TimeSpan ("01:00:00").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new ArgumentException($"'{text}' is not a duration (90s, 30m, 1h, 2d)");
    }
}
