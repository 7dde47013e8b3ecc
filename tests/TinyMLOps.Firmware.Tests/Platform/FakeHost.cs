using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>
/// The host side as the device relies on it: stores each uplink once per (device, sequence), answers every
/// message (duplicates too) with an Ack of its sequence, and notices a sequence reused for other bytes. With the
/// device's key it tags its downlinks and requires tagged uplinks, as the real host does with the master key.
/// </summary>
public sealed class FakeHost(string fleet, string deviceId)
{
    private readonly Dictionary<uint, byte[]> _bytes = [];
    private uint _downSequence;

    /// <summary>The device's artifact key, or null: untagged both ways.</summary>
    public byte[]? DeviceKey { get; set; }

    public string Fleet { get; } = fleet;

    public string DeviceId { get; } = deviceId;

    public SortedDictionary<uint, Message> Stored { get; } = [];

    public int Received { get; private set; }

    /// <summary>Sequences in the order they arrived, duplicates included.</summary>
    public List<uint> Arrivals { get; } = [];

    public int Duplicates { get; private set; }

    public List<string> Violations { get; } = [];

    public IEnumerable<Message> StoredOfKind(int kind) => Stored.Values.Where(m => m.Kind == kind);

    /// <summary>Takes one uplink publish; returns the ack to send back, or null for something it rejects.</summary>
    public (string Topic, byte[] Payload)? Take(string topic, byte[] payload)
    {
        Received++;
        var info = Topics.Parse(topic);
        Message message;
        try
        {
            message = WireCodec.Decode(payload);
        }
        catch (ProtocolException e)
        {
            Violations.Add("undecodable uplink: " + e.Message);
            return null;
        }

        if (info == null || !info.Uplink || info.Kind != message.Kind || info.DeviceId != message.DeviceId || message.DeviceId != DeviceId)
        {
            Violations.Add("topic " + topic + " does not match its envelope");
            return null;
        }

        if (DeviceKey != null && !WireCodec.Verify(payload, EnvelopeKeys.Uplink(DeviceKey)))
        {
            Violations.Add("uplink " + message.Sequence + " without the device's tag");
            return null;
        }

        Arrivals.Add(message.Sequence);
        if (Stored.ContainsKey(message.Sequence))
        {
            Duplicates++;
            if (!_bytes[message.Sequence].SequenceEqual(payload))
            {
                Violations.Add("sequence " + message.Sequence + " reused for different contents");
            }
        }
        else
        {
            Stored[message.Sequence] = message;
            _bytes[message.Sequence] = payload;
        }

        return Downlink(MessageKind.Ack, new AckPayload([message.Sequence], [message.Sequence]).Encode());
    }

    /// <summary>A downlink envelope addressed to the device, with the host's own sequence.</summary>
    public (string Topic, byte[] Payload) Downlink(int kind, byte[] payload)
    {
        var message = new Message(kind, DeviceId, ++_downSequence, 0, payload);
        return (Topics.Down(Fleet, DeviceId, kind), WireCodec.Encode(message, DeviceKey == null ? null : EnvelopeKeys.Downlink(DeviceKey)));
    }
}
