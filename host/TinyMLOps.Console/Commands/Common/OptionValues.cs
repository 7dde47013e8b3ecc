using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Option values that variant rollouts and federated rounds both parse: the role and the durations (parsed as the API parses them).</summary>
internal static class OptionValues
{
    public static int ParseRole(string role) => RequestValues.ParseRole(role, "--role");

    /// <summary>"90s", "30m", "1h", "2d" or a TimeSpan ("01:00:00").</summary>
    public static TimeSpan ParseDuration(string text) => RequestValues.ParseDuration(text);
}
