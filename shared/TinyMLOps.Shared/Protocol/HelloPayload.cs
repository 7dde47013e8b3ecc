using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Sent after every (re)connect: who the device is and what it can do.</summary>
    public sealed class HelloPayload
    {
        public const int NoBattery = 255;

        public string Board = "";
        public string FirmwareVersion = "";
        public string ModelId = "";
        public uint ModelVersion;
        public uint FreeHeapBytes;
        public uint FreeFlashBytes;

        /// <summary>Bit i set when the device runs operator type i of the model format.</summary>
        public uint KernelMask;

        /// <summary>A <c>PowerSource</c> value: 0 unknown, 1 battery, 2 external.</summary>
        public int PowerSource;

        /// <summary>Battery level 0-100, or <see cref="NoBattery"/>.</summary>
        public int BatteryPercent = NoBattery;
        public uint BootCount;
        public uint OutboxCapacityBytes;

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(96);
            w.WriteString(Board);
            w.WriteString(FirmwareVersion);
            w.WriteString(ModelId);
            w.WriteI32((int)ModelVersion);
            w.WriteI32((int)FreeHeapBytes);
            w.WriteI32((int)FreeFlashBytes);
            w.WriteI32((int)KernelMask);
            w.WriteU8(PowerSource);
            w.WriteU8(BatteryPercent);
            w.WriteI32((int)BootCount);
            w.WriteI32((int)OutboxCapacityBytes);
            return w.ToArray();
        }

        public static HelloPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "hello");
            try
            {
                HelloPayload h = new HelloPayload();
                h.Board = PayloadCodec.ReadString(r, "hello", "board");
                h.FirmwareVersion = PayloadCodec.ReadString(r, "hello", "firmware version");
                h.ModelId = PayloadCodec.ReadString(r, "hello", "model id");
                h.ModelVersion = r.ReadU32("model version");
                h.FreeHeapBytes = r.ReadU32("free heap");
                h.FreeFlashBytes = r.ReadU32("free flash");
                h.KernelMask = r.ReadU32("kernel mask");
                h.PowerSource = r.ReadU8("power source");
                h.BatteryPercent = r.ReadU8("battery");
                h.BootCount = r.ReadU32("boot count");
                h.OutboxCapacityBytes = r.ReadU32("outbox capacity");
                PayloadCodec.End(r, "hello");
                if (h.PowerSource > 2)
                {
                    throw PayloadCodec.Invalid("hello", "power source " + h.PowerSource);
                }

                if (h.BatteryPercent > 100 && h.BatteryPercent != NoBattery)
                {
                    throw PayloadCodec.Invalid("hello", "battery " + h.BatteryPercent + "%");
                }

                return h;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "hello");
            }
        }
    }
}
