using System.Collections.Concurrent;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Security;

/// <summary>
/// The host's side of authenticated envelopes (docs/protocol.md): with the fleet master key it derives each device's
/// uplink and downlink keys (<see cref="EnvelopeKeys"/> over <see cref="DeviceKeys.For"/>), tags every downlink and
/// requires a valid tag on every uplink. <see cref="None"/> (no master key) tags and requires nothing, as protocol v1 did.
/// </summary>
public sealed class EnvelopeAuth
{
    private readonly DeviceKeys? _keys;
    private readonly ConcurrentDictionary<string, (byte[] Up, byte[] Down)> _cache = new(StringComparer.Ordinal);

    public EnvelopeAuth(DeviceKeys? keys)
    {
        _keys = keys;
    }

    public static EnvelopeAuth None { get; } = new(null);

    public bool Enabled => _keys != null;

    /// <summary>The key a device's uplinks must be tagged with, or null when the host holds no master key.</summary>
    public byte[]? UplinkKey(string deviceId) => _keys == null ? null : KeysOf(deviceId).Up;

    public byte[]? DownlinkKey(string deviceId) => _keys == null ? null : KeysOf(deviceId).Down;

    /// <summary>The wire bytes of a downlink, tagged for its device when the host holds the master key.</summary>
    public byte[] Encode(Message downlink) => WireCodec.Encode(downlink, DownlinkKey(downlink.DeviceId));

    private (byte[] Up, byte[] Down) KeysOf(string deviceId) =>
        _cache.GetOrAdd(deviceId, id =>
        {
            byte[] deviceKey = _keys!.For(id);
            return (EnvelopeKeys.Uplink(deviceKey), EnvelopeKeys.Downlink(deviceKey));
        });
}
