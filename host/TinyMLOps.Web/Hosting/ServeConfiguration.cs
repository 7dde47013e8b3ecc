using Microsoft.Extensions.Configuration;

namespace TinyMLOps.Web.Hosting;

/// <summary>
/// Where `serve`'s settings come from, lowest precedence first: appsettings.json (the working directory's, or the file
/// given), the older TINYMLOPS_* variables, TinyMLOps__* environment variables, then the command line.
/// </summary>
public static class ServeConfiguration
{
    /// <summary>Older environment variables and the key each sets (they keep working; TinyMLOps__KEY overrides them).</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["TINYMLOPS_HOST_PASSWORD"] = "TinyMLOps:Password",
        ["TINYMLOPS_ARTIFACT_MASTER_KEY"] = "TinyMLOps:ArtifactMasterKey",
        ["TINYMLOPS_VARIANTS"] = "TinyMLOps:VariantRegistryPath",
        ["TINYMLOPS_DB"] = "TinyMLOps:SqlitePath",
        ["TINYMLOPS_POSTGRES"] = "TinyMLOps:PostgresConnectionString",
    };

    /// <param name="file">A settings file that must exist; null reads appsettings.json from the working directory if it is there.</param>
    /// <param name="commandLine">Configuration keys set by flags the user gave (flags left at their defaults are not in it).</param>
    public static IConfigurationRoot Build(string? file, IReadOnlyDictionary<string, string?> commandLine, Func<string, string?> environment, bool readEnvironment = true)
    {
        var builder = new ConfigurationBuilder();
        if (file != null)
        {
            if (!File.Exists(file))
            {
                throw new ServeConfigurationException([$"--config {file} does not exist"]);
            }

            builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        }

        var aliases = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string variable, string key) in Aliases)
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                aliases[key] = value;
            }
        }

        builder.AddInMemoryCollection(aliases);
        if (readEnvironment)
        {
            builder.AddEnvironmentVariables();
        }

        builder.AddInMemoryCollection(commandLine);
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new ServeConfigurationException([$"{file ?? "appsettings.json"}: {e.Message}"]);
        }
    }
}
