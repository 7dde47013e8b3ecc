namespace TinyMLOps.Fleet.Webhooks;

/// <summary>The ping `webhook test` sends to one subscription.</summary>
public static class PingEvent
{
    /// <summary>`webhook test`: a ping for one subscription (a fresh key each time).</summary>
    public static FleetEvent For(long subscriptionId, DateTimeOffset at) => new(
        FleetEventTypes.Ping,
        $"{FleetEventTypes.Ping}:{subscriptionId}:{Guid.NewGuid():N}",
        at,
        new { subscriptionId, message = "ping from tinymlops webhook test" });
}
