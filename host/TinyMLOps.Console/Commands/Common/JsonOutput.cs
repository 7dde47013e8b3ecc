using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>
/// `--output json` for listing verbs: one JSON document on stdout, camelCase, written past Spectre's renderer so no
/// markup or line wrapping touches it. Device-supplied strings are escaped by the serializer (control characters too).
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The option: table (the default, for people) or json (for scripts).</summary>
    public static Option<string> Option() => new("--output")
    {
        Description = "table (default) or json (one JSON document, for scripts)",
        DefaultValueFactory = _ => "table",
        Validators =
        {
            r =>
            {
                string v = r.GetValueOrDefault<string>();
                if (v is not ("table" or "json"))
                {
                    r.AddError($"--output must be table or json, not '{v}'");
                }
            },
        },
    };

    public static bool Wanted(string? format) => string.Equals(format, "json", StringComparison.Ordinal);

    public static void Write<T>(IAnsiConsole console, T value)
    {
        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, Options));
        console.Profile.Out.Writer.Flush();
    }
}
