using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>
/// An in-memory broker link to a <see cref="FakeHost"/>: each publish reaches the host, whose ack lands in
/// the device's receive queue. It can go offline, drop the link after some publishes, and drop, duplicate
/// or reorder downlink messages.
/// </summary>
public sealed class LoopbackTransport(FakeHost host, Random random) : ITransport
{
    private readonly List<InboundMessage> _inbound = [];
    private bool _connected;

    public bool Online { get; set; } = true;

    /// <summary>The link breaks when this many more publishes have gone through; -1 never.</summary>
    public int BreakAfterPublishes { get; set; } = -1;

    public double DropAckProbability { get; set; }

    public double DuplicateProbability { get; set; }

    public bool Reorder { get; set; }

    public int Connects { get; private set; }

    public int Published { get; private set; }

    public List<string> Subscriptions { get; } = [];

    public bool IsConnected => _connected && Online;

    public bool Connect()
    {
        _connected = Online;
        if (_connected)
        {
            Connects++;
        }

        return _connected;
    }

    public void Disconnect() => _connected = false;

    /// <summary>What a reboot does to the session: the device side of the link is gone, queued downlink stays at the broker.</summary>
    public void Reset() => _connected = false;

    public bool Publish(string topic, byte[] payload)
    {
        if (!IsConnected || BreakAfterPublishes == 0)
        {
            _connected = false;
            return false;
        }

        if (BreakAfterPublishes > 0)
        {
            BreakAfterPublishes--;
        }

        Published++;
        var ack = host.Take(topic, payload);
        if (ack is { } a && random.NextDouble() >= DropAckProbability)
        {
            Deliver(a.Topic, a.Payload);
            if (random.NextDouble() < DuplicateProbability)
            {
                Deliver(a.Topic, a.Payload);
            }
        }

        return true;
    }

    public bool Subscribe(string topicFilter)
    {
        Subscriptions.Add(topicFilter);
        return IsConnected;
    }

    public InboundMessage? Receive()
    {
        if (!IsConnected || _inbound.Count == 0)
        {
            return null;
        }

        int i = Reorder ? random.Next(_inbound.Count) : 0;
        var message = _inbound[i];
        _inbound.RemoveAt(i);
        return message;
    }

    /// <summary>Queues a downlink message as the broker would (kept while the device is away: clean session off).</summary>
    public void Deliver(string topic, byte[] payload) => _inbound.Add(new InboundMessage(topic, payload));
}
