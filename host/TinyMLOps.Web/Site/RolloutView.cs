using TinyMLOps.Fleet.Rollouts;

namespace TinyMLOps.Web.Site;

/// <summary>How the console marks a rollout's state.</summary>
public static class RolloutView
{
    public static string Tag(string state) => state switch
    {
        RolloutStates.Active => "ok",
        RolloutStates.Completed => "off",
        RolloutStates.RollingBack or RolloutStates.RolledBack => "bad",
        _ => "warn",
    };
}
