using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

/// <summary>One simulated device with its storage, clock, power and a loopback link to a fake host; it can reboot.</summary>
internal sealed class AgentRig
{
    public AgentRig(int seed = 1, Action<DeviceConfig>? configure = null)
    {
        Random = new Random(seed);
        Host = new FakeHost(Config.Fleet, Config.DeviceId);
        Transport = new LoopbackTransport(Host, Random);
        configure?.Invoke(Config);
        Agent = Boot();
    }

    public DeviceConfig Config { get; } = new()
    {
        DeviceId = "dev-1",
        Fleet = "lab",
        Board = "esp32-s3",
        FirmwareVersion = "1.0.0",
        ModelId = "kws",
        ModelVersion = 3,
        AckTimeoutMillis = 2000,
    };

    public Random Random { get; }

    public MemoryStorage Storage { get; } = new();

    public FakeClock Clock { get; } = new();

    public FakePower Power { get; } = new();

    public ListLog Log { get; } = new();

    public FakeHost Host { get; }

    public LoopbackTransport Transport { get; }

    public DeviceAgent Agent { get; private set; }

    public List<(string Name, ICommandHandler Handler)> Handlers { get; } = [];

    public DeviceAgent Reboot()
    {
        Transport.Reset();
        Clock.Reboot();
        Agent = Boot();
        return Agent;
    }

    /// <summary>Polls every stepMillis (at least three times, to take queued downlink) until the outbox is empty and nothing is in flight, or the step budget runs out.</summary>
    public void SyncUntilEmpty(int maxSteps = 2000, int stepMillis = 100)
    {
        for (int i = 0; i < maxSteps && (i < 3 || Agent.Outbox.PendingCount > 0 || !Agent.IsConnected); i++)
        {
            Clock.Advance(stepMillis);
            Agent.Poll();
        }

        Assert.Equal(0, Agent.Outbox.PendingCount);
    }

    public void Deliver(int kind, byte[] payload)
    {
        var (topic, bytes) = Host.Downlink(kind, payload);
        Transport.Deliver(topic, bytes);
    }

    public byte[] AppPayload(int n) => new CommandResultPayload { CommandId = (uint)n, Status = 0, Detail = "app " + n }.Encode();

    private DeviceAgent Boot()
    {
        var agent = new DeviceAgent(Config, Transport, Storage, Clock, Power, Log, Random);
        foreach (var h in Handlers)
        {
            agent.Commands.Register(h.Name, h.Handler);
        }

        return agent;
    }
}
