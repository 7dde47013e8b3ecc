using System.CommandLine;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>`--registry`, the variant registry folder: given, else $TINYMLOPS_VARIANTS, else "variants".</summary>
internal static class RegistryOption
{
    public const string Variable = "TINYMLOPS_VARIANTS";

    /// <param name="description">What the verb reads from the registry; the default is said after it.</param>
    public static Option<string> Create(string description) => new("--registry")
    {
        Description = $"{description} (default: ${Variable} or variants)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v ? v : "variants",
    };
}
