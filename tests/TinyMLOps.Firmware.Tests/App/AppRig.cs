using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Provisioning;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.App;

/// <summary>
/// The board application composed as Program.Main composes it, over fakes: provisioned configuration on storage,
/// startup check, runtime, status display and loop, with a loopback broker link behind a fake network.
/// </summary>
internal sealed class AppRig
{
    private static uint _nextCommand = 9000;

    public AppRig(Action<ProvisionedConfig>? configure = null, byte[]? samples = null, int powerSource = PowerSource.External, bool canSleep = true, ISensor? sensor = null)
    {
        Sleep = new FakeSleep(canSleep);
        var config = ConfigMappingTests.Config();
        config.ArtifactKey = TestModels.DeviceKey;
        configure?.Invoke(config);
        Storage.WriteAll(ProvisionedConfig.FileName, ConfigFile.Encode(config));
        if (samples != null)
        {
            Storage.WriteAll(StartupCheck.SamplesFile, samples);
        }

        Power.Source = powerSource;
        Startup = StartupCheck.Run(Storage, "0.4.0");
        Assert.True(Startup.Ok, string.Join("\n", Startup.Problems));
        Host = new FakeHost(config.Fleet, config.DeviceId) { DeviceKey = config.ArtifactKey };
        Mqtt = new LoopbackTransport(Host, new Random(3));
        Display = new StatusDisplay(Led);
        var ports = new DevicePorts
        {
            Transport = new NetworkGatedTransport(Network, Mqtt),
            Storage = Storage,
            Clock = Clock,
            Power = Power,
            Log = Log,
            Network = Network,
            Indicator = Display,
        };
        Runtime = new DeviceRuntime(Startup.DeviceConfig, ports, new Random(5), null);
        Loop = new DeviceLoop(
            Runtime,
            sensor ?? new SampleFileSensor(Storage, StartupCheck.SamplesFile),
            Display,
            Network,
            Power,
            new SleepPolicy(Startup.Config.SleepSeconds, Startup.Config.SyncWindowSeconds),
            Sleep,
            Clock,
            Log);
    }

    public MemoryStorage Storage { get; } = new();

    public FakeClock Clock { get; } = new();

    public FakePower Power { get; } = new();

    public ListLog Log { get; } = new();

    public FakeNetwork Network { get; } = new();

    public FakeLed Led { get; } = new();

    public FakeSleep Sleep { get; }

    public StartupResult Startup { get; }

    public FakeHost Host { get; }

    public LoopbackTransport Mqtt { get; }

    public DeviceRuntime Runtime { get; }

    public StatusDisplay Display { get; }

    public DeviceLoop Loop { get; }

    /// <summary>Runs the loop for the given simulated time, one step per idle period.</summary>
    public void Run(long millis)
    {
        for (long t = 0; t < millis; t += Loop.IdleMillis)
        {
            Clock.Advance(Loop.IdleMillis);
            Loop.Step();
        }
    }

    /// <summary>Has the host assign and send a signed model for the plugged role.</summary>
    public void Assign(SignedModel model, uint transferId)
    {
        var a = new VariantAssignment { Role = VariantAssignment.RolePlugged, VariantId = model.VariantId, ContentHash = model.Hash, Tag = model.Tag, TransferId = transferId, TotalLength = (uint)model.Bytes.Length };
        Deliver(MessageKind.Command, new CommandPayload { CommandId = ++_nextCommand, Name = VariantAssignment.CommandName, Arguments = a.Encode() }.Encode());
        uint crc = Crc32.Compute(model.Bytes, 0, model.Bytes.Length);
        Deliver(MessageKind.DownChunk, new ChunkPayload { TransferId = transferId, ContentType = VariantAssignment.ContentTypeModel, Index = 0, Count = 1, TotalLength = (uint)model.Bytes.Length, ArtifactCrc = crc, Data = model.Bytes }.Encode());
    }

    private void Deliver(int kind, byte[] payload)
    {
        var (topic, bytes) = Host.Downlink(kind, payload);
        Mqtt.Deliver(topic, bytes);
    }
}
