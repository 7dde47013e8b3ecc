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

        /// <summary>
        /// The optional consent section: the setting (<see cref="UploadConsent"/> Off..Ask) of each category, index = category;
        /// null when the device sends no section (older firmware). 1 to <see cref="UploadConsent.MaxCategories"/> entries.
        /// </summary>
        public int[] ConsentSettings;

        /// <summary>Bit c set when the user granted category c on the device (meaningful for <see cref="UploadConsent.Ask"/>).</summary>
        public int ConsentGranted;

        /// <summary>Bytes of a content hash the installed section carries per role.</summary>
        public const int InstalledHashBytes = 8;

        /// <summary>
        /// The optional installed section, after the consent section (which it needs): per role (index =
        /// <see cref="VariantAssignment.RolePlugged"/> - 1, <see cref="VariantAssignment.RoleBattery"/> - 1) the first
        /// <see cref="InstalledHashBytes"/> bytes of the content hash of the model active in that role, zeros for none;
        /// null when the device sends no section. The host compares them with what it installed last.
        /// </summary>
        public byte[][] InstalledHashes;

        /// <summary>Bytes the kernels section's name may have.</summary>
        public const int MaxKernelBackendBytes = 32;

        /// <summary>
        /// The optional kernels section, after the installed section (which it needs): the kernels the device runs,
        /// as chosen once at boot ("native": the firmware's C kernels, "managed": the C# kernels in the interpreter;
        /// KernelBackends.NameOf). Null when the device sends no section (older firmware).
        /// </summary>
        public string KernelBackend;

        /// <summary>The setting of a category, or -1 when the hello has no consent section or does not name it.</summary>
        public int ConsentOf(int category)
        {
            return ConsentSettings == null || category < 0 || category >= ConsentSettings.Length ? -1 : ConsentSettings[category];
        }

        /// <summary>True when the user granted the category on the device.</summary>
        public bool Granted(int category)
        {
            return category >= 0 && category < UploadConsent.MaxCategories && (ConsentGranted & (1 << category)) != 0;
        }

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
            if (ConsentSettings != null)
            {
                w.WriteU8(ConsentSettings.Length);
                for (int c = 0; c < ConsentSettings.Length; c++)
                {
                    w.WriteU8(ConsentSettings[c]);
                }

                w.WriteU8(ConsentGranted);
                if (InstalledHashes != null)
                {
                    w.WriteU8(InstalledHashes.Length);
                    for (int i = 0; i < InstalledHashes.Length; i++)
                    {
                        byte[] hash = InstalledHashes[i];
                        if (hash == null || hash.Length != InstalledHashBytes)
                        {
                            throw new System.ArgumentException("an installed hash is " + InstalledHashBytes + " bytes");
                        }

                        w.WriteBytes(hash, 0, InstalledHashBytes);
                    }

                    if (KernelBackend != null)
                    {
                        int length = System.Text.Encoding.UTF8.GetBytes(KernelBackend).Length;
                        if (length < 1 || length > MaxKernelBackendBytes)
                        {
                            throw new System.ArgumentException("the kernel backend name is 1.." + MaxKernelBackendBytes + " UTF-8 bytes");
                        }

                        w.WriteString(KernelBackend);
                    }
                }
                else if (KernelBackend != null)
                {
                    throw new System.ArgumentException("the kernels section needs the installed section before it");
                }
            }
            else if (InstalledHashes != null || KernelBackend != null)
            {
                throw new System.ArgumentException("the installed and kernels sections need the consent section before them");
            }

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
                if (r.Remaining > 0)
                {
                    ReadConsent(r, h);
                }

                if (r.Remaining > 0)
                {
                    ReadInstalled(r, h, payload);
                }

                if (r.Remaining > 0)
                {
                    int at = r.Position;
                    h.KernelBackend = PayloadCodec.ReadString(r, "hello", "kernel backend");
                    if (r.Data[at] < 1 || r.Data[at] > MaxKernelBackendBytes)
                    {
                        throw PayloadCodec.Invalid("hello", "kernel backend name is not 1.." + MaxKernelBackendBytes + " bytes");
                    }
                }

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

        /// <summary>The consent section: u8 count (1..8), one u8 setting (0..4) per category, u8 granted bits (none at or above the count).</summary>
        private static void ReadConsent(ByteReader r, HelloPayload h)
        {
            int count = r.ReadU8("consent count");
            if (count < 1 || count > UploadConsent.MaxCategories)
            {
                throw PayloadCodec.Invalid("hello", "consent count " + count + " is not 1.." + UploadConsent.MaxCategories);
            }

            int[] settings = new int[count];
            for (int c = 0; c < count; c++)
            {
                settings[c] = r.ReadU8("consent setting");
                if (settings[c] >= UploadConsent.SettingCount)
                {
                    throw PayloadCodec.Invalid("hello", "consent setting " + settings[c] + " of category " + c);
                }
            }

            int granted = r.ReadU8("consent granted");
            if ((granted >> count) != 0)
            {
                throw PayloadCodec.Invalid("hello", "consent granted bits " + granted + " name categories beyond " + count);
            }

            h.ConsentSettings = settings;
            h.ConsentGranted = granted;
        }

        /// <summary>The installed section: u8 roles (1..2), then 8 bytes of content hash per role.</summary>
        private static void ReadInstalled(ByteReader r, HelloPayload h, byte[] payload)
        {
            int roles = r.ReadU8("installed roles");
            if (roles < 1 || roles > 2)
            {
                throw PayloadCodec.Invalid("hello", "installed roles " + roles + " is not 1..2");
            }

            byte[][] hashes = new byte[roles][];
            for (int i = 0; i < roles; i++)
            {
                int at = r.Skip(InstalledHashBytes, "installed hash");
                hashes[i] = new byte[InstalledHashBytes];
                System.Array.Copy(payload, at, hashes[i], 0, InstalledHashBytes);
            }

            h.InstalledHashes = hashes;
        }
    }
}
