using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>
/// The host side as the device relies on it: stores each uplink once per (device, sequence), answers every
/// message (duplicates too) with an Ack of its sequence, and notices a sequence reused for other bytes.
/// </summary>
public sealed class FakeHost(string fleet, string deviceId)
{
    private uint _downSequence;

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

        Arrivals.Add(message.Sequence);
        if (Stored.TryGetValue(message.Sequence, out var earlier))
        {
            Duplicates++;
            if (!WireCodec.Encode(earlier).SequenceEqual(payload))
            {
                Violations.Add("sequence " + message.Sequence + " reused for different contents");
            }
        }
        else
        {
            Stored[message.Sequence] = message;
        }

        return Downlink(MessageKind.Ack, new AckPayload([message.Sequence], [message.Sequence]).Encode());
    }

    /// <summary>A downlink envelope addressed to the device, with the host's own sequence.</summary>
    public (string Topic, byte[] Payload) Downlink(int kind, byte[] payload)
    {
        var message = new Message(kind, DeviceId, ++_downSequence, 0, payload);
        return (Topics.Down(Fleet, DeviceId, kind), WireCodec.Encode(message));
    }
}
