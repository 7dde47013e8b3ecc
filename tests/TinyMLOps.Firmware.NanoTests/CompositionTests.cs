using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.NanoTests
{
    /// <summary>The device composed as on a board, over fakes: the parts, their ports and the enum roles run on nanoCLR.</summary>
    [TestClass]
    public class CompositionTests
    {
        [TestMethod]
        public void A_composed_device_says_hello_when_the_link_comes_up_and_infers()
        {
            DeviceConfig config = new DeviceConfig();
            config.DeviceId = "nano-1";
            config.Fleet = "lab";

            // No artifact key: the meter signs with HMAC, which has no native code on the POSIX nanoCLR.
            LinkStub link = new LinkStub();
            DevicePorts ports = new DevicePorts();
            ports.Transport = link;
            ports.Storage = new MemoryStorage();
            ports.Clock = new ClockStub();
            ports.Power = new PowerStub();
            ports.Log = new LogStub();
            DeviceRuntime runtime = new DeviceRuntime(config, ports, new Random(1), TinyModel.Build());

            Assert.AreEqual((int)InferenceOutcome.Ran, (int)runtime.Infer(new byte[] { 10, 200, 30 }), "outcome");
            runtime.Poll();

            Assert.IsTrue(runtime.Device.Agent.IsConnected, "connected");
            Assert.AreEqual(1u, runtime.Device.Activity.Inferences, "inferences");
            Assert.AreEqual(1u, runtime.Device.BootCount, "boot count");
            Assert.AreEqual(Topics.Up("lab", "nano-1", MessageKind.Hello), link.FirstTopic, "first publish");
            Assert.AreEqual("plugged", ModelRoles.Name(ModelRole.Plugged), "role name");
        }

        [TestMethod]
        public void A_keyed_device_deletes_nothing_on_a_forged_ack_and_everything_on_the_hosts_tagged_one()
        {
            byte[] deviceKey = new byte[32];
            for (int i = 0; i < deviceKey.Length; i++)
            {
                deviceKey[i] = (byte)(i * 7);
            }

            MemoryStorage storage = new MemoryStorage();
            SyncOptions options = new SyncOptions();
            options.DeviceId = "nano-1";
            options.Fleet = "lab";
            options.DownlinkKey = EnvelopeKeys.Downlink(deviceKey);
            Outbox outbox = new Outbox(storage, "outbox.log", "nano-1", 8192, EnvelopeKeys.Uplink(deviceKey));
            OutboxUplink uplink = new OutboxUplink(outbox, new ClockStub());
            Downlink downlink = new Downlink(options, outbox, uplink, new CommandDispatcher(storage, "commands.dat", 4), new ChunkAssembler(storage, "download", 8), null, new LogStub(), storage);
            CommandResultPayload result = new CommandResultPayload();
            result.CommandId = 1;
            result.Detail = "ok";
            for (int i = 0; i < 3; i++)
            {
                uplink.Enqueue(MessageKind.CommandResult, result.Encode(), false);
            }

            byte[] wire = outbox.ReadEncoded(outbox.GetPending(0));
            Assert.IsTrue(WireCodec.Verify(wire, EnvelopeKeys.Uplink(deviceKey)), "uplink tagged");

            string topic = Topics.Down("lab", "nano-1", MessageKind.Ack);
            byte[] ack = new AckPayload(new uint[] { 1 }, new uint[] { 100 }).Encode();
            downlink.Take(new InboundMessage(topic, WireCodec.Encode(new Message(MessageKind.Ack, "nano-1", 3, 0, ack))));
            downlink.Take(new InboundMessage(topic, WireCodec.Encode(new Message(MessageKind.Ack, "nano-1", 3, 0, ack), EnvelopeKeys.Uplink(deviceKey))));
            Assert.AreEqual(2, downlink.Unauthenticated, "forged acks counted");
            Assert.AreEqual(3, outbox.PendingCount, "nothing deleted");

            downlink.Take(new InboundMessage(topic, WireCodec.Encode(new Message(MessageKind.Ack, "nano-1", 3, 0, ack), EnvelopeKeys.Downlink(deviceKey))));
            Assert.AreEqual(0, outbox.PendingCount, "acked by the host");
        }

        private sealed class LinkStub : ITransport
        {
            private bool _connected;

            public string FirstTopic { get; private set; }

            public bool IsConnected
            {
                get { return _connected; }
            }

            public bool Connect()
            {
                _connected = true;
                return true;
            }

            public void Disconnect()
            {
                _connected = false;
            }

            public bool Publish(string topic, byte[] payload)
            {
                if (FirstTopic == null)
                {
                    FirstTopic = topic;
                }

                return true;
            }

            public bool Subscribe(string topicFilter)
            {
                return true;
            }

            public InboundMessage Receive()
            {
                return null;
            }
        }

        private sealed class ClockStub : IClock
        {
            public long UptimeMillis
            {
                get { return 1000; }
            }

            public uint UnixSeconds
            {
                get { return 1700000000; }
            }
        }

        private sealed class PowerStub : IPower
        {
            public int Source
            {
                get { return PowerSource.External; }
            }

            public int BatteryPercent
            {
                get { return -1; }
            }
        }

        private sealed class LogStub : ILog
        {
            public void Info(string message)
            {
            }

            public void Warn(string message)
            {
            }

            public void Error(string message)
            {
            }
        }
    }
}
