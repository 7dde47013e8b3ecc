using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Conformance.Protocol
{
    /// <summary>
    /// The wire codec and payloads on both runtimes: round trips re-encode to the same bytes, every truncation is a
    /// <see cref="ProtocolException"/>, and seeded byte mutations either decode or throw that exception and nothing else
    /// (an IndexOutOfRange or a wrapped integer on nanoCLR would show here).
    /// </summary>
    [TestClass]
    public class WireConformanceTests
    {
        [TestMethod]
        public void An_envelope_round_trips_to_the_same_bytes()
        {
            Rng rng = new Rng(3);
            for (int i = 0; i < 50; i++)
            {
                byte[] payload = new byte[rng.Next(0, 300)];
                rng.NextBytes(payload);
                Message m = new Message(MessageKind.Heartbeat, "dev-" + i, rng.NextUInt(), rng.NextUInt(), payload);
                byte[] encoded = WireCodec.Encode(m);
                Message back = WireCodec.Decode(encoded);
                Assert.AreEqual(m.DeviceId, back.DeviceId, "device id");
                Assert.AreEqual(m.Sequence, back.Sequence, "sequence");
                Assert.AreEqual(m.Timestamp, back.Timestamp, "timestamp");
                Expect.SameBytes(encoded, WireCodec.Encode(back), "re-encoded envelope");
            }
        }

        [TestMethod]
        public void Payloads_round_trip_to_the_same_bytes()
        {
            byte[][] samples = Samples();
            for (int i = 0; i < samples.Length; i++)
            {
                Expect.SameBytes(samples[i], Reencode(i, samples[i]), "payload sample " + i);
            }
        }

        [TestMethod]
        public void Every_truncation_of_an_envelope_or_payload_is_a_protocol_error()
        {
            byte[][] samples = Samples();
            for (int i = 0; i < samples.Length; i++)
            {
                for (int cut = 0; cut < samples[i].Length; cut++)
                {
                    byte[] shorter = new byte[cut];
                    Array.Copy(samples[i], shorter, cut);
                    AssertRejected(i, shorter, "sample " + i + " cut to " + cut);
                }
            }

            byte[] envelope = WireCodec.Encode(new Message(MessageKind.Hello, "dev-1", 7, 9, samples[0]));
            for (int cut = 0; cut < envelope.Length; cut++)
            {
                bool threw = false;
                try
                {
                    WireCodec.Decode(envelope, 0, cut);
                }
                catch (ProtocolException)
                {
                    threw = true;
                }

                Assert.IsTrue(threw, "envelope cut to " + cut + " decoded");
            }
        }

        [TestMethod]
        public void Mutated_bytes_decode_or_are_refused_with_a_protocol_error()
        {
            Rng rng = new Rng(17);
            byte[][] samples = Samples();
            for (int round = 0; round < 600; round++)
            {
                int which = round % samples.Length;
                byte[] mutated = new byte[samples[which].Length];
                Array.Copy(samples[which], mutated, mutated.Length);
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips && mutated.Length > 0; f++)
                {
                    mutated[rng.Next(0, mutated.Length)] = (byte)rng.Next(0, 256);
                }

                try
                {
                    Reencode(which, mutated);
                }
                catch (ProtocolException)
                {
                    // Refused with the one error a caller handles.
                }
                catch (Exception e)
                {
                    Assert.IsTrue(false, "sample " + which + " mutation " + round + " threw " + e.ToString());
                }
            }
        }

        // One valid payload of several kinds, in a fixed order that Reencode knows.
        private static byte[][] Samples()
        {
            HelloPayload hello = new HelloPayload();
            hello.Board = "esp32-devkitc";
            hello.FirmwareVersion = "1.4.2";
            hello.ModelId = "fashion-mlp";
            hello.ModelVersion = 3;
            hello.FreeHeapBytes = 81920;
            hello.PowerSource = PowerSource.Battery;
            hello.BatteryPercent = 57;

            HeartbeatPayload heartbeat = new HeartbeatPayload();
            heartbeat.UptimeSeconds = 86400;
            heartbeat.PowerSource = PowerSource.External;
            heartbeat.OutboxEntries = 12;
            heartbeat.OutboxBytes = 4096;
            heartbeat.Inferences = 123456;
            heartbeat.BootCount = 9;

            CommandPayload command = new CommandPayload();
            command.CommandId = 77;
            command.Name = "quota";
            command.Arguments = new byte[] { 1, 2, 3, 250 };

            ChunkPayload chunk = new ChunkPayload();
            chunk.TransferId = 0xDEADBEEF;
            chunk.ContentType = 1;
            chunk.Index = 2;
            chunk.Count = 5;
            chunk.TotalLength = 9000;
            chunk.ArtifactCrc = 0x12345678;
            chunk.Data = new byte[100];
            new Rng(1).NextBytes(chunk.Data);

            VariantRollback rollback = new VariantRollback();
            rollback.Role = VariantAssignment.RoleBattery;
            rollback.FromVariantId = "mlp-64";
            rollback.ToVariantId = "mlp-32";

            return new byte[][] { hello.Encode(), heartbeat.Encode(), command.Encode(), chunk.Encode(), rollback.Encode() };
        }

        private static byte[] Reencode(int which, byte[] payload)
        {
            switch (which)
            {
                case 0: return HelloPayload.Decode(payload).Encode();
                case 1: return HeartbeatPayload.Decode(payload).Encode();
                case 2: return CommandPayload.Decode(payload).Encode();
                case 3: return ChunkPayload.Decode(payload).Encode();
                default: return VariantRollback.Decode(payload).Encode();
            }
        }

        private static void AssertRejected(int which, byte[] payload, string what)
        {
            bool threw = false;
            try
            {
                Reencode(which, payload);
            }
            catch (ProtocolException)
            {
                threw = true;
            }

            Assert.IsTrue(threw, what + " decoded");
        }
    }
}
