namespace TinyMLOps.Modelling;

/// <summary>This process's environment with some variables replaced: what a verb and the tools it starts see.</summary>
public static class EnvironmentVariables
{
    /// <summary>The current environment, with <paramref name="overrides"/> replacing (or adding) variables; names compare case-insensitively on Windows.</summary>
    public static Dictionary<string, string> Current(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var env = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? string.Empty;
        }

        foreach ((string key, string value) in overrides ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        return env;
    }
}
