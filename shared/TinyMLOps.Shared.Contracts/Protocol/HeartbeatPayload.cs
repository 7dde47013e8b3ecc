using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Periodic device state. Heartbeats are mergeable: a full outbox keeps only the newest one, so the
    /// counters here are totals since first boot, never deltas. An optional trailing section (a version byte, a count,
    /// then <see cref="VariantTelemetry"/> records) carries operational telemetry per variant; a heartbeat without it
    /// (older firmware, or a device that withholds telemetry) decodes with <see cref="Telemetry"/> null.
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

        /// <summary>Telemetry per variant since boot (at most <see cref="VariantTelemetry.MaxVariants"/>), or null to omit the section.</summary>
        public VariantTelemetry[] Telemetry;

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(Telemetry == null ? 32 : 40 + (Telemetry.Length * 200));
            w.WriteI32((int)UptimeSeconds);
            w.WriteU8(PowerSource);
            w.WriteU8(BatteryPercent);
            w.WriteU16(OutboxEntries > 0xFFFF ? 0xFFFF : OutboxEntries);
            w.WriteI32((int)OutboxBytes);
            w.WriteI32((int)DroppedTotal);
            w.WriteI32((int)Inferences);
            w.WriteI32((int)BootCount);
            if (Telemetry != null)
            {
                if (Telemetry.Length > VariantTelemetry.MaxVariants)
                {
                    throw new System.ArgumentException("telemetry of " + Telemetry.Length + " variants, at most " + VariantTelemetry.MaxVariants);
                }

                w.WriteU8(VariantTelemetry.SectionVersion);
                w.WriteU8(Telemetry.Length);
                for (int i = 0; i < Telemetry.Length; i++)
                {
                    Telemetry[i].Write(w);
                }
            }

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
                if (r.Remaining > 0)
                {
                    h.Telemetry = ReadTelemetry(r);
                }

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

        private static VariantTelemetry[] ReadTelemetry(ByteReader r)
        {
            // Bytes after the base fields are a telemetry section only when they open with its version.
            int after = r.Remaining;
            int version = r.ReadU8("telemetry version");
            if (version != VariantTelemetry.SectionVersion)
            {
                throw PayloadCodec.Invalid("heartbeat", after + " bytes after the last field (not a telemetry section: version " + version + ")");
            }

            int count = r.ReadU8("telemetry count");
            if (count > VariantTelemetry.MaxVariants)
            {
                throw PayloadCodec.Invalid("heartbeat", "telemetry of " + count + " variants, at most " + VariantTelemetry.MaxVariants);
            }

            VariantTelemetry[] telemetry = new VariantTelemetry[count];
            for (int i = 0; i < count; i++)
            {
                telemetry[i] = VariantTelemetry.Read(r, "heartbeat");
                for (int j = 0; j < i; j++)
                {
                    if (telemetry[j].VariantId == telemetry[i].VariantId)
                    {
                        throw PayloadCodec.Invalid("heartbeat", "telemetry of " + telemetry[i].VariantId + " twice");
                    }
                }
            }

            return telemetry;
        }
    }
}
