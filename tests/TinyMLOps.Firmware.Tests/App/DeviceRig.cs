using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.App;

/// <summary>
/// One simulated device composed as a board composes it (<see cref="DeviceComposition"/>, or the whole
/// <see cref="DeviceRuntime"/> when it runs a model) over fakes: storage, clock, power and a loopback link to a fake
/// host. It can reboot on the same flash.
/// </summary>
internal sealed class DeviceRig
{
    private readonly DevicePorts _ports;
    private readonly byte[]? _model;

    /// <param name="model">A model the device runs (inference goes through <see cref="DeviceRuntime.Infer"/>); null composes the device alone.</param>
    public DeviceRig(int seed = 1, Action<DeviceConfig>? configure = null, byte[]? model = null, IStatusIndicator? indicator = null, INetwork? network = null, IFeedback? feedback = null, IMemoryInfo? memory = null)
    {
        Random = new Random(seed);
        Host = new FakeHost(Config.Fleet, Config.DeviceId);
        Transport = new LoopbackTransport(Host, Random);
        configure?.Invoke(Config);
        Host.DeviceKey = Config.ArtifactKey;
        _model = model;
        _ports = new DevicePorts
        {
            Transport = Transport,
            Storage = Storage,
            Clock = Clock,
            Power = Power,
            Log = Log,
            Network = network,
            Memory = memory,
            Indicator = indicator,
            Feedback = feedback,
        };
        Device = Boot();
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

    public DeviceComposition Device { get; private set; }

    /// <summary>The runtime over the device when the rig runs a model, else null.</summary>
    public DeviceRuntime? Runtime { get; private set; }

    public List<(string Name, ICommandHandler Handler)> Handlers { get; } = [];

    public DeviceComposition Reboot()
    {
        Transport.Reset();
        Clock.Reboot();
        Device = Boot();
        return Device;
    }

    /// <summary>One pass of the sync loop (and, with a model, the reload check that follows it).</summary>
    public void Poll()
    {
        if (Runtime != null)
        {
            Runtime.Poll();
        }
        else
        {
            Device.Poll();
        }
    }

    /// <summary>Polls every stepMillis (at least three times, to take queued downlink) until the outbox is empty and nothing is in flight, or the step budget runs out.</summary>
    public void SyncUntilEmpty(int maxSteps = 2000, int stepMillis = 100)
    {
        for (int i = 0; i < maxSteps && (i < 3 || Device.Outbox.PendingCount > 0 || !Device.Agent.IsConnected); i++)
        {
            Clock.Advance(stepMillis);
            Poll();
        }

        Assert.Equal(0, Device.Outbox.PendingCount);
    }

    public void Deliver(int kind, byte[] payload)
    {
        var (topic, bytes) = Host.Downlink(kind, payload);
        Transport.Deliver(topic, bytes);
    }

    public byte[] AppPayload(int n) => new CommandResultPayload { CommandId = (uint)n, Status = 0, Detail = "app " + n }.Encode();

    /// <summary>The kinds queued in the outbox, oldest first.</summary>
    public List<int> QueuedKinds() => [.. Enumerable.Range(0, Device.Outbox.PendingCount).Select(i => Device.Outbox.GetPending(i).Kind)];

    private DeviceComposition Boot()
    {
        Runtime = _model == null ? null : new DeviceRuntime(Config, _ports, Random, _model);
        var device = Runtime?.Device ?? new DeviceComposition(Config, _ports, Random);
        foreach (var h in Handlers)
        {
            device.Commands.Register(h.Name, h.Handler);
        }

        return device;
    }
}
