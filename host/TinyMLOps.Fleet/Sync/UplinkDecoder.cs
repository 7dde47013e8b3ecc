using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>The outcome of decoding one uplink: a record to store, or why it was refused.</summary>
public sealed record UplinkResult(IngestRecord? Record, ProtocolException? Error, string? TopicDeviceId);

/// <summary>
/// Turns an MQTT message into an <see cref="IngestRecord"/>: the topic must be a protocol uplink topic,
/// the envelope must decode, and the topic's device and kind must match the envelope's (so a device
/// cannot speak for another one even on a broker without ACLs). Payloads of the kinds the registry reads
/// are decoded here, so a malformed hello is rejected before it reaches the store. With a key for the device
/// (<paramref name="uplinkKey"/>), the envelope must carry a tag that key makes (<c>unauthenticated</c>, <c>bad_tag</c>):
/// whoever can publish on the device's topic cannot then take its sequence numbers.
/// </summary>
public static class UplinkDecoder
{
    public static UplinkResult Decode(string topic, byte[] payload, DateTimeOffset receivedAt) => Decode(topic, payload, receivedAt, null);

    /// <param name="uplinkKey">The device's uplink key, or null when the host holds none (any well-formed envelope is taken).</param>
    public static UplinkResult Decode(string topic, byte[] payload, DateTimeOffset receivedAt, Func<string, byte[]?>? uplinkKey)
    {
        TopicInfo? info = Topics.Parse(topic);
        if (info == null)
        {
            return Fail(RejectReason.BadTopic, $"'{Truncate(topic)}' is not a protocol v1 topic", null);
        }

        if (!info.Uplink)
        {
            return Fail(RejectReason.WrongDirection, "a downlink topic reached the uplink handler", info.DeviceId);
        }

        try
        {
            Message message = WireCodec.Decode(payload);
            if (message.DeviceId != info.DeviceId)
            {
                return Fail(RejectReason.TopicMismatch, $"envelope from '{message.DeviceId}' published on the topic of '{info.DeviceId}'", info.DeviceId);
            }

            if (message.Kind != info.Kind)
            {
                return Fail(RejectReason.TopicMismatch, $"envelope kind {MessageKind.Name(message.Kind)} on a {MessageKind.Name(info.Kind)} topic", info.DeviceId);
            }

            if (uplinkKey?.Invoke(message.DeviceId) is { } key)
            {
                if (!message.Authenticated)
                {
                    return Fail(RejectReason.Unauthenticated, $"{MessageKind.Name(message.Kind)} {message.Sequence} carries no tag; this host requires tagged uplinks", info.DeviceId);
                }

                if (!WireCodec.Verify(payload, key))
                {
                    return Fail(RejectReason.BadTag, $"{MessageKind.Name(message.Kind)} {message.Sequence}: the tag is not the device's", info.DeviceId);
                }
            }

            var record = new IngestRecord(info.Fleet, message.DeviceId, message.Sequence, message.Kind, message.Timestamp, receivedAt, message.Payload)
            {
                Hello = message.Kind == MessageKind.Hello ? HelloPayload.Decode(message.Payload) : null,
                Heartbeat = message.Kind == MessageKind.Heartbeat ? HeartbeatPayload.Decode(message.Payload) : null,
                Dropped = message.Kind == MessageKind.Dropped ? DroppedPayload.Decode(message.Payload) : null,
                CommandResult = message.Kind == MessageKind.CommandResult ? CommandResultPayload.Decode(message.Payload) : null,
                ChunkStatus = message.Kind == MessageKind.ChunkStatus ? ChunkStatusPayload.Decode(message.Payload) : null,
            };
            if (message.Kind == MessageKind.Chunk)
            {
                ChunkPayload.Decode(message.Payload);
            }
            else if (message.Kind == MessageKind.VariantSwitch)
            {
                VariantSwitchPayload.Decode(message.Payload);
            }
            else if (message.Kind == MessageKind.ModelHealth)
            {
                ModelHealthPayload.Decode(message.Payload);
            }
            else if (message.Kind == MessageKind.Drift)
            {
                DriftPayload.Decode(message.Payload);
            }

            return new UplinkResult(record, null, info.DeviceId);
        }
        catch (ProtocolException e)
        {
            return new UplinkResult(null, e, info.DeviceId);
        }
    }

    private static UplinkResult Fail(int reason, string detail, string? deviceId) =>
        new(null, new ProtocolException(reason, detail), deviceId);

    private static string Truncate(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
