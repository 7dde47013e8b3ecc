using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyMLOps.Web.Hosting;

/// <summary>The one JSON style of the API and of printed settings: camelCase, enums by name, ISO 8601 times.</summary>
public static class ServeJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    /// <summary>For settings printed on a terminal: '+' stays '+' (no device text goes through these).</summary>
    public static JsonSerializerOptions Printed { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        }

        return options;
    }
}
