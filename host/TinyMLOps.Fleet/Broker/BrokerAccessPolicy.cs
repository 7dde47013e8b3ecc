using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// Who may publish and subscribe where. A device (client id = device id) publishes only under its own
/// up/ tree and subscribes only to its own down/ tree; host workers (client ids starting with
/// <see cref="HostClientPrefix"/>, with the host credential) do the opposite for every device. A device registered
/// with a fleet publishes only under that fleet's level, so it cannot pass itself off as another fleet's board.
/// </summary>
public static class BrokerAccessPolicy
{
    public const string HostClientPrefix = "tinymlops-host";

    public static bool IsHost(string clientId) => clientId.StartsWith(HostClientPrefix, StringComparison.Ordinal);

    /// <param name="fleet">The fleet the device is registered with; null when it is not registered yet.</param>
    public static bool CanPublish(string clientId, string topic, string? fleet = null)
    {
        TopicInfo? info = Topics.Parse(topic);
        if (info == null)
        {
            return false;
        }

        return IsHost(clientId) ? !info.Uplink : info.Uplink && info.DeviceId == clientId && (fleet == null || info.Fleet == fleet);
    }

    public static bool CanSubscribe(string clientId, string filter)
    {
        if (IsHost(clientId))
        {
            string plain = filter.StartsWith("$share/", StringComparison.Ordinal) ? filter[(filter.IndexOf('/', 7) + 1)..] : filter;
            return plain.StartsWith(Topics.Root + "/", StringComparison.Ordinal) && plain.Contains("/up/", StringComparison.Ordinal);
        }

        string[] levels = filter.Split('/');
        return levels.Length == 6 && levels[0] == "tinymlops" && levels[1] == "v1" && WireCodec.IsValidDeviceId(levels[2])
            && levels[3] == clientId && levels[4] == "down" && (levels[5] == "#" || MessageKind.Parse(levels[5], uplink: false) >= 0);
    }
}
