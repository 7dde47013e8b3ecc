namespace TinyMLOps.Web.Contracts;

/// <summary>
/// Which variant a device runs (`variant fleet`, GET /api/v1/variants/fleet): its plugged and battery variants and the
/// role it serves from its last switch report, and the rollout that holds it now, if any.
/// </summary>
public sealed record VariantFleetJson(
    string DeviceId,
    string Fleet,
    string Board,
    string Power,
    string? PluggedVariant,
    string? BatteryVariant,
    string? Serving,
    string? LastSwitchReason,
    DateTimeOffset? LastSwitchAt,
    long? RolloutId,
    string? RolloutState)
{
    /// <summary>The variant the device serves inferences with, or null before its first switch report.</summary>
    public string? Running => Serving switch
    {
        "plugged" => PluggedVariant,
        "battery" => BatteryVariant,
        _ => null,
    };
}
