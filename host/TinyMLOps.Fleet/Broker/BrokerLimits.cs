namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// What the embedded broker lets one client cost (configuration TinyMLOps:BrokerLimits). The defaults come from the
/// protocol's largest message, 4,146 bytes (a model chunk or any other envelope; docs/protocol.md), plus its topic
/// and MQTT framing: a packet four times that still fits, anything larger cannot be a protocol message.
/// </summary>
public sealed class BrokerLimits
{
    /// <summary>Largest MQTT packet (remaining length) the broker reads; a larger one closes the connection before its body is read.</summary>
    public int MaxPacketBytes { get; set; } = 16_384;

    /// <summary>Open TCP connections in all; further ones are closed at accept.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Open TCP connections from one remote address (boards behind one NAT share one).</summary>
    public int MaxConnectionsPerAddress { get; set; } = 2_000;

    /// <summary>
    /// Messages queued for one client's session (the host worker's, under a burst, is the long one); the oldest is
    /// dropped beyond it and counted (tinymlops.broker.dropped). Queued bytes per client stay below this times
    /// <see cref="MaxPacketBytes"/>.
    /// </summary>
    public int MaxQueuedMessagesPerClient { get; set; } = 100_000;

    /// <summary>One line per setting out of range, empty when all are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxPacketBytes < 5_000)
        {
            problems.Add($"BrokerLimits:MaxPacketBytes is {MaxPacketBytes}; the protocol's largest message needs at least 5000 with its topic and framing");
        }

        if (MaxConnections < 1 || MaxConnectionsPerAddress < 1 || MaxQueuedMessagesPerClient < 1)
        {
            problems.Add("BrokerLimits:MaxConnections, MaxConnectionsPerAddress and MaxQueuedMessagesPerClient must be at least 1");
        }

        return problems;
    }
}
