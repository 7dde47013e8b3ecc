using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Periodic device state. Heartbeats are mergeable: a full outbox keeps only the newest one, so the
    /// counters here are totals since first boot, never deltas.
    /// </summary>
    public sealed class HeartbeatPayload
    {
        public uint UptimeSeconds;
        public int PowerSource;
        public int BatteryPercent = HelloPayload.NoBattery;
        public int OutboxEntries;
        public uint OutboxBytes;
        public uint DroppedTotal;
        public uint Inferences;
        public uint BootCount;

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(32);
            w.WriteI32((int)UptimeSeconds);
            w.WriteU8(PowerSource);
            w.WriteU8(BatteryPercent);
            w.WriteU16(OutboxEntries > 0xFFFF ? 0xFFFF : OutboxEntries);
            w.WriteI32((int)OutboxBytes);
            w.WriteI32((int)DroppedTotal);
            w.WriteI32((int)Inferences);
            w.WriteI32((int)BootCount);
            return w.ToArray();
        }

        public static HeartbeatPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "heartbeat");
            try
            {
                HeartbeatPayload h = new HeartbeatPayload();
                h.UptimeSeconds = r.ReadU32("uptime");
                h.PowerSource = r.ReadU8("power source");
                h.BatteryPercent = r.ReadU8("battery");
                h.OutboxEntries = r.ReadU16("outbox entries");
                h.OutboxBytes = r.ReadU32("outbox bytes");
                h.DroppedTotal = r.ReadU32("dropped total");
                h.Inferences = r.ReadU32("inferences");
                h.BootCount = r.ReadU32("boot count");
                PayloadCodec.End(r, "heartbeat");
                if (h.PowerSource > 2)
                {
                    throw PayloadCodec.Invalid("heartbeat", "power source " + h.PowerSource);
                }

                if (h.BatteryPercent > 100 && h.BatteryPercent != HelloPayload.NoBattery)
                {
                    throw PayloadCodec.Invalid("heartbeat", "battery " + h.BatteryPercent + "%");
                }

                return h;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "heartbeat");
            }
        }
    }
}
