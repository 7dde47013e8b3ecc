using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Web.Queries;

/// <summary>
/// The rollout controller and round coordinator the console and the API use to record what an operator wants. They
/// only write intents to the store; the host service's own instances deliver, so these need no artifact key or downlink.
/// </summary>
public static class FleetControllers
{
    public static RolloutController Rollouts(IFleetStore store, VariantRegistry registry) =>
        new(store, registry, new DeviceKeys(new byte[DeviceKeys.MinMasterKeyBytes]), downlink: null);

    public static RoundCoordinator Rounds(IFleetStore store, VariantRegistry registry) =>
        new(store, registry, Rollouts(store, registry), source: null, downlink: null);
}
