using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Learning;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.App;

/// <summary>What the device says about itself: boot count, identity and memory in the hello; the telemetry the runtime measured in the heartbeat, unless withheld.</summary>
public sealed class DeviceStatusTests
{
    private static HeartbeatPayload LastHeartbeat(FakeHost host) =>
        HeartbeatPayload.Decode(host.StoredOfKind(MessageKind.Heartbeat).Last().Payload);

    [Fact]
    public void The_hello_names_the_kernels_the_board_chose_at_boot_after_the_installed_section()
    {
        var rig = new DeviceRig(configure: c =>
        {
            c.ArtifactKey = TestModels.DeviceKey;
            c.KernelBackend = "native";
        });
        rig.SyncUntilEmpty();
        var hello = HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload);
        Assert.Equal("native", hello.KernelBackend);
        Assert.NotNull(hello.InstalledHashes);

        // Without role slots there is no installed section, so no kernels section either; the default is the C# kernels.
        var plain = new DeviceRig();
        plain.SyncUntilEmpty();
        Assert.Null(HelloPayload.Decode(plain.Host.StoredOfKind(MessageKind.Hello).Last().Payload).KernelBackend);
        Assert.Equal("managed", new DeviceConfig().KernelBackend);
    }

    [Fact]
    public void The_heartbeat_carries_per_variant_totals_of_the_inferences_that_ran()
    {
        var host = new FakeHost("lab", "dev-1");
        var clock = new FakeClock();
        var config = new DeviceConfig { DeviceId = "dev-1", Fleet = "lab", Board = "esp32-devkitc", HeartbeatIntervalSeconds = 60 };
        var ports = new DevicePorts
        {
            Transport = new LoopbackTransport(host, new Random(1)),
            Storage = new MemoryStorage(),
            Clock = clock,
            Power = new FakePower(),
            Log = new ListLog(),
            Memory = new FakeMemory(123_456),
        };
        var runtime = new DeviceRuntime(config, ports, new Random(2), TestModels.Build("v1", 1));

        for (int i = 0; i < 25; i++)
        {
            Assert.Equal(InferenceOutcome.Ran, runtime.Infer([10, 200, 30]));
        }

        for (int i = 0; i < 200; i++)
        {
            clock.Advance(1000);
            runtime.Poll();
        }

        var heartbeat = LastHeartbeat(host);
        var record = Assert.Single(heartbeat.Telemetry!);
        Assert.Equal(runtime.Classifier!.VariantId, record.VariantId);
        Assert.Equal(25u, record.Inferences);
        Assert.Equal(heartbeat.Inferences, record.Inferences);
        Assert.Equal((uint)runtime.Classifier.ArenaBytes, record.ArenaBytes);
        Assert.Equal((uint)runtime.Classifier.WorkingBytes, record.WorkingBytes);
        Assert.Equal(123_456u, record.MinFreeHeapBytes);
        Assert.Equal(VariantTelemetry.NotMetered, record.EnergyMicrojoules);

        // Totals, not deltas: a later heartbeat still counts the first 25.
        runtime.Infer([10, 200, 30]);
        clock.Advance(61_000);
        runtime.Poll();
        for (int i = 0; i < 20; i++)
        {
            clock.Advance(100);
            runtime.Poll();
        }

        Assert.Equal(26u, LastHeartbeat(host).Telemetry!.Single().Inferences);
    }

    [Fact]
    public void A_device_that_withholds_telemetry_sends_heartbeats_without_the_section()
    {
        var rig = new DeviceRig(configure: c => { c.SendTelemetry = false; c.HeartbeatIntervalSeconds = 60; });
        rig.Device.Telemetry.Record("v1", 500, 1000, 1200, 0);
        rig.Clock.Advance(61_000);
        rig.SyncUntilEmpty();

        Assert.Null(LastHeartbeat(rig.Host).Telemetry);
        Assert.Equal(1u, rig.Device.Telemetry.Find("v1")!.Inferences);
    }

    [Fact]
    public void Before_any_inference_the_heartbeat_has_no_section()
    {
        var rig = new DeviceRig(configure: c => c.HeartbeatIntervalSeconds = 60);
        rig.Clock.Advance(61_000);
        rig.SyncUntilEmpty();

        Assert.Null(LastHeartbeat(rig.Host).Telemetry);
    }

    [Fact]
    public void Every_boot_is_counted_and_announced_in_the_hello()
    {
        var rig = new DeviceRig();
        rig.Reboot();
        rig.Reboot();
        rig.SyncUntilEmpty();

        Assert.Equal(3u, rig.Device.BootCount);
        var hello = HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Single().Payload);
        Assert.Equal((3u, "esp32-s3", "kws", 3u, 65536u), (hello.BootCount, hello.Board, hello.ModelId, hello.ModelVersion, hello.OutboxCapacityBytes));
    }

    [Fact]
    public void The_hello_reports_free_heap_and_flash_from_the_memory_adapter()
    {
        var rig = new DeviceRig(configure: c => c.ArtifactKey = TestModels.DeviceKey, memory: new FixedMemory(123_456, 7_000_000_000));
        rig.Reboot();
        rig.SyncUntilEmpty();
        var hello = HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload);
        Assert.Equal(123_456u, hello.FreeHeapBytes);
        Assert.Equal(uint.MaxValue, hello.FreeFlashBytes); // clamped, not wrapped
    }

    private sealed class FixedMemory(long heap, long flash) : IMemoryInfo
    {
        public long FreeHeapBytes => heap;

        public long FreeFlashBytes => flash;
    }
}
