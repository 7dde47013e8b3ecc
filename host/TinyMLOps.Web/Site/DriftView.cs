using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Web.Queries;

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
        return new DriftAnalyzer(given ?? DriftQueries.Profiles(options.Value.VariantRegistryPath));
    }
}
