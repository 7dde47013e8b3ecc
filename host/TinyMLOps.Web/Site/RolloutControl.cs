using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Web.Site;

/// <summary>
/// The rollout controller as the console uses it: status with the health verdict, pause, resume and abort (through <see cref="Queries.RolloutQueries"/>, as the API), and a rollback request that the host
/// service's next tick carries out (like `variant rollback`). Neither reads the registry's artifacts, so a host without
/// a registry gets an empty one.
/// </summary>
public sealed class RolloutControl(IFleetStore store, IOptions<SyncOptions> options)
{
    private static readonly Lazy<VariantRegistry> Empty = new(() => VariantRegistry.Open(Path.Combine(Path.GetTempPath(), "tinymlops-empty-registry")));

    public RolloutController Controller() =>
        new(store, Registry(), new DeviceKeys(new byte[DeviceKeys.MinMasterKeyBytes]), downlink: null);

    /// <summary>The host's registry, read afresh, or an empty one without it (pause, resume and abort read no artifacts).</summary>
    public VariantRegistry Registry()
    {
        string? path = options.Value.VariantRegistryPath;
        return string.IsNullOrEmpty(path) ? Empty.Value : VariantRegistry.Open(path);
    }
}
