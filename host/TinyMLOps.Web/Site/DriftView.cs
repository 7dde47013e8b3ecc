using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Web.Site;

/// <summary>
/// Drift as the console judges it: the stored windows scored against each variant's reference profile, from the
/// profiles `serve` was given (the demo's model) or else the variant registry's, read again per request so new
/// variants count; without either, windows stay unscored and the pages say so.
/// </summary>
public sealed class DriftView(IOptions<SyncOptions> options, DriftProfiles? given = null)
{
    public DriftAnalyzer Analyzer()
    {
        string? registry = options.Value.VariantRegistryPath;
        DriftProfiles profiles = given ?? (string.IsNullOrEmpty(registry) ? DriftProfiles.None : DriftProfiles.FromRegistry(VariantRegistry.Open(registry)));
        return new DriftAnalyzer(profiles);
    }
}
