using System.Globalization;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Option values that variant rollouts and federated rounds both parse: the role and the durations.</summary>
internal static class OptionValues
{
    public static int ParseRole(string role) => role.ToLowerInvariant() switch
    {
        "plugged" or "1" => VariantAssignment.RolePlugged,
        "battery" or "2" => VariantAssignment.RoleBattery,
        _ => throw new ArgumentException($"--role is plugged or battery, not '{role}'"),
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
