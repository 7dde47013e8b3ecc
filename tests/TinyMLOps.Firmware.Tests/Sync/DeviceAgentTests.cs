using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

public class DeviceAgentTests
{
    [Fact]
    public void Drains_oldest_first_with_a_bounded_number_in_flight()
    {
        var rig = new DeviceRig(configure: c => c.MaxInFlight = 4);
        var sequences = Enumerable.Range(0, 10).Select(i => rig.Device.Uplink.Enqueue(MessageKind.CommandResult, rig.AppPayload(i), false).Sequence).ToList();
        rig.Transport.DropAckProbability = 1;

        rig.Poll();
        Assert.True(rig.Device.Agent.IsConnected);
        Assert.Equal(sequences.Take(4), rig.Host.Arrivals);

        rig.Transport.DropAckProbability = 0;
        rig.Clock.Advance(rig.Config.AckTimeoutMillis);
        rig.SyncUntilEmpty();

        Assert.Equal(rig.Host.Arrivals.Distinct().Order(), rig.Host.Arrivals.Distinct());
        Assert.All(sequences, s => Assert.Contains(s, rig.Host.Stored.Keys));
        Assert.Single(rig.Host.StoredOfKind(MessageKind.Hello));
        Assert.Equal(["tinymlops/v1/lab/dev-1/down/#"], rig.Transport.Subscriptions);
    }

    [Fact]
    public void Stops_syncing_on_a_low_battery_unless_on_external_power()
    {
        var rig = new DeviceRig(configure: c => c.MaxInFlight = 2);
        rig.Power.Source = PowerSource.Battery;
        rig.Power.BatteryPercent = 10;
        for (int i = 0; i < 6; i++)
        {
            rig.Device.Uplink.Enqueue(MessageKind.CommandResult, rig.AppPayload(i), false);
        }

        rig.Poll();
        Assert.False(rig.Device.Agent.IsConnected);
        Assert.Equal(0, rig.Transport.Published);

        rig.Power.BatteryPercent = 60;
        rig.Transport.DropAckProbability = 1;
        rig.Poll();
        Assert.Equal(2, rig.Transport.Published);

        rig.Power.BatteryPercent = 15;
        rig.Clock.Advance(rig.Config.AckTimeoutMillis);
        rig.Poll();
        Assert.False(rig.Device.Agent.IsConnected);
        Assert.Equal(2, rig.Transport.Published);

        rig.Power.Source = PowerSource.External;
        rig.Transport.DropAckProbability = 0;
        rig.SyncUntilEmpty();
        Assert.Equal(7, rig.Host.Stored.Count);
    }

    [Fact]
    public void Nothing_is_lost_across_link_drops_duplicated_and_reordered_acks_and_reboots_mid_drain()
    {
        var rig = new DeviceRig(seed: 42, configure: c => c.MaxInFlight = 5);
        var expected = new Dictionary<uint, byte[]>();
        rig.Transport.DuplicateProbability = 0.3;
        rig.Transport.DropAckProbability = 0.2;
        rig.Transport.Reorder = true;
        int reboots = 0;
        for (int step = 0; step < 600; step++)
        {
            int roll = rig.Random.Next(100);
            try
            {
                if (roll < 30)
                {
                    var payload = rig.AppPayload(step);
                    var r = rig.Device.Uplink.Enqueue(MessageKind.CommandResult, payload, false);
                    Assert.True(r.Accepted);
                    expected[r.Sequence] = payload;
                }
                else if (roll < 35)
                {
                    rig.Transport.BreakAfterPublishes = rig.Random.Next(4);
                }
                else if (roll < 38)
                {
                    rig.Transport.Online = !rig.Transport.Online;
                }
                else if (roll < 41)
                {
                    // The power goes in the middle of the next write (or right away).
                    rig.Storage.CutNextWrite(rig.Random.Next(40));
                    rig.Poll();
                    rig.Storage.CutPowerAt(-1, 0);
                    reboots++;
                    rig.Reboot();
                }

                rig.Clock.Advance(rig.Random.Next(50, 700));
                rig.Poll();
            }
            catch (PowerLossException)
            {
                reboots++;
                rig.Reboot();
            }
        }

        rig.Transport.Online = true;
        rig.Transport.BreakAfterPublishes = -1;
        rig.Transport.DropAckProbability = 0;
        rig.SyncUntilEmpty(stepMillis: 1000);

        Assert.True(reboots > 5);
        Assert.True(rig.Host.Duplicates > 0);
        Assert.Empty(rig.Host.Violations);
        Assert.All(expected, p => Assert.Equal(p.Value, rig.Host.Stored[p.Key].Payload));
        Assert.Equal(expected.Count, rig.Host.StoredOfKind(MessageKind.CommandResult).Count());
    }

    [Fact]
    public void Duplicated_commands_run_once_and_every_delivery_is_answered()
    {
        var rig = new DeviceRig();
        var handler = new CountingHandler();
        rig.Handlers.Add(("calibrate", handler));
        rig.Device.Commands.Register("calibrate", handler);
        byte[] command = new CommandPayload { CommandId = 900, Name = "calibrate" }.Encode();

        rig.Deliver(MessageKind.Command, command);
        rig.Deliver(MessageKind.Command, command);
        rig.SyncUntilEmpty();
        rig.Reboot();
        rig.Deliver(MessageKind.Command, command);
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 901, Name = "self-destruct" }.Encode());
        rig.SyncUntilEmpty();

        Assert.Equal(1, handler.Runs);
        var results = rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).ToList();
        Assert.Equal(3, results.Count(r => r.CommandId == 900 && r.Status == CommandResultPayload.Ok && r.Detail == "run 1"));
        Assert.Equal(CommandResultPayload.UnknownCommand, results.Single(r => r.CommandId == 901).Status);
    }

    [Fact]
    public void Offline_for_days_then_every_entry_reaches_the_host_once_and_heartbeats_merge()
    {
        var rig = new DeviceRig(seed: 9, model: TestModels.Build("v1", 1));
        rig.Transport.Online = false;
        var expected = new List<uint>();
        for (int poll = 0; poll < 10 * 24 * 6; poll++)
        {
            rig.Clock.Advance(10 * 60 * 1000);
            Assert.Equal(InferenceOutcome.Ran, rig.Runtime!.Infer([10, 200, 30]));
            if (poll % 6 == 0)
            {
                expected.Add(rig.Device.Uplink.Enqueue(MessageKind.CommandResult, rig.AppPayload(poll), false).Sequence);
            }

            rig.Poll();
        }

        Assert.Equal(0, rig.Transport.Connects);
        Assert.True(rig.Device.Agent.ConnectAttempts > 100);
        rig.Transport.Online = true;
        rig.Clock.Advance(rig.Config.BackoffMaxMillis);
        rig.SyncUntilEmpty();

        Assert.Equal(1, rig.Transport.Connects);
        Assert.Equal(expected, rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => m.Sequence));
        var heartbeat = HeartbeatPayload.Decode(rig.Host.StoredOfKind(MessageKind.Heartbeat).Single().Payload);
        Assert.Equal(1440u, heartbeat.Inferences);
        Assert.Equal(1u, heartbeat.BootCount);
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void Reconnect_delays_grow_exponentially_with_jitter_and_reset_after_a_connect()
    {
        var rig = new DeviceRig(seed: 3, configure: c => { c.BackoffInitialMillis = 1000; c.BackoffMaxMillis = 64000; });
        rig.Transport.Online = false;
        var delays = new List<long>();
        for (int i = 0; i < 4000 && delays.Count < 10; i++)
        {
            int before = rig.Device.Agent.ConnectAttempts;
            rig.Poll();
            if (rig.Device.Agent.ConnectAttempts > before)
            {
                delays.Add(rig.Device.Agent.NextConnectAtMillis - rig.Clock.UptimeMillis);
            }

            rig.Clock.Advance(250);
        }

        for (int k = 0; k < delays.Count; k++)
        {
            Assert.InRange(delays[k], 0, Math.Min(64000, 1000L << k));
        }

        Assert.True(delays.Skip(5).Average() > delays.Take(3).Average());
        rig.Transport.Online = true;
        rig.Clock.Advance(64000);
        rig.Poll();
        Assert.True(rig.Device.Agent.IsConnected);

        rig.Transport.Online = false;
        rig.Clock.Advance(100);
        rig.Poll();
        Assert.InRange(rig.Device.Agent.NextConnectAtMillis - rig.Clock.UptimeMillis, 0, 1000);
    }

    [Fact]
    public void Malformed_and_misaddressed_downlink_is_ignored_and_counted()
    {
        var rig = new DeviceRig();
        rig.Poll();
        var other = new FakeHost("lab", "dev-2");
        var forOther = other.Downlink(MessageKind.Ack, new AckPayload([1], [1]).Encode());

        rig.Transport.Deliver(Topics.Down("lab", "dev-1", MessageKind.Ack), [1, 2, 3]);
        rig.Transport.Deliver(Topics.Down("lab", "dev-1", MessageKind.Ack), forOther.Payload);
        rig.Transport.Deliver(forOther.Topic, forOther.Payload);
        rig.Transport.Deliver(Topics.Up("lab", "dev-1", MessageKind.Hello), forOther.Payload);
        rig.Transport.Deliver(Topics.Down("lab", "dev-1", MessageKind.Command), rig.Host.Downlink(MessageKind.Ack, new AckPayload([1], [1]).Encode()).Payload);
        rig.Deliver(MessageKind.Command, [9, 9]);
        rig.SyncUntilEmpty();

        Assert.Equal(6, rig.Device.Downlink.Rejected);
        Assert.True(rig.Device.Agent.IsConnected);
    }

    [Fact]
    public void A_chunked_upload_resumes_after_a_disconnect_and_a_reboot()
    {
        var rig = new DeviceRig(seed: 5, configure: c => c.MaxInFlight = 4);
        var artifact = ChunkAssemblerTests.Artifact(9000);
        Assert.True(rig.Device.Uploads.Upload(5, 1, artifact, 0).Accepted);

        rig.Transport.BreakAfterPublishes = 2;
        rig.Poll();
        Assert.False(rig.Device.Agent.IsConnected);
        rig.Transport.BreakAfterPublishes = 2;
        rig.Clock.Advance(5000);
        rig.Poll();
        rig.Reboot();
        rig.Transport.BreakAfterPublishes = -1;
        rig.SyncUntilEmpty();

        var receiver = new ChunkAssembler(new MemoryStorage(), "host", 64);
        foreach (var m in rig.Host.StoredOfKind(MessageKind.Chunk))
        {
            receiver.Accept(ChunkPayload.Decode(m.Payload));
        }

        Assert.Equal(artifact, receiver.ReadArtifact());
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void A_model_download_resumes_after_a_reboot_skips_a_corrupted_chunk_and_reports_its_status()
    {
        var rig = new DeviceRig(seed: 8);
        var model = ChunkAssemblerTests.Artifact(7000);
        var chunks = ChunkAssemblerTests.Split(model, 12, 2048);
        rig.Poll();
        rig.Deliver(MessageKind.DownChunk, chunks[0].Encode());
        var (topic, corrupted) = rig.Host.Downlink(MessageKind.DownChunk, chunks[1].Encode());
        corrupted[40] ^= 0x10;
        rig.Transport.Deliver(topic, corrupted);
        rig.Deliver(MessageKind.DownChunk, chunks[3].Encode());
        rig.SyncUntilEmpty();
        Assert.Equal(1, rig.Device.Downlink.Rejected);

        rig.Reboot();
        rig.SyncUntilEmpty();
        var status = ChunkStatusPayload.Decode(rig.Host.StoredOfKind(MessageKind.ChunkStatus).Last().Payload);
        Assert.True(status.Has(0) && !status.Has(1) && !status.Has(2) && status.Has(3));

        rig.Deliver(MessageKind.DownChunk, chunks[1].Encode());
        rig.Deliver(MessageKind.DownChunk, chunks[2].Encode());
        rig.SyncUntilEmpty();

        Assert.True(rig.Device.Downloads.IsComplete);
        Assert.Equal(model, rig.Device.Downloads.ReadArtifact());
        Assert.True(ChunkStatusPayload.Decode(rig.Host.StoredOfKind(MessageKind.ChunkStatus).Last().Payload).Complete);
    }
}
