using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>A virtual board's IP link as the device core sees it: up with the simulated MQTT link, metered when the board's options (or a test) say so.</summary>
public sealed class SimLink(MqttNetTransport transport) : INetwork
{
    public bool IsUp => transport.LinkUp;

    /// <summary>A cellular modem rather than Wi-Fi: uploads whose consent is "wifi" wait while it is set.</summary>
    public bool IsMetered { get; set; }

    public bool EnsureUp() => transport.LinkUp;
}
