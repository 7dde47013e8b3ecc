using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// A change of the model a device runs (kind <see cref="MessageKind.VariantSwitch"/>): a role switch on a
    /// power change (<see cref="ReasonPower"/>), or the outcome of a variant assignment, installed
    /// (<see cref="ReasonInstalled"/>) or refused by the device's verification (<see cref="ReasonRejected"/>).
    /// Roles are <see cref="VariantAssignment.RolePlugged"/> and <see cref="VariantAssignment.RoleBattery"/>;
    /// the variant ids are the active ones of each role after the event (empty: none).
    /// </summary>
    public sealed class VariantSwitchPayload
    {
        public const int ReasonPower = 1;
        public const int ReasonInstalled = 2;
        public const int ReasonRejected = 3;

        /// <summary>A role went back to its kept previous variant: by a rollback command (result 0) or because the new model failed to load (result: the load failure).</summary>
        public const int ReasonRolledBack = 4;

        private const string Kind = "variant-switch";

        public int Reason = ReasonPower;
        public int FromRole = VariantAssignment.RolePlugged;
        public int ToRole = VariantAssignment.RoleBattery;
        public uint UptimeSeconds;
        public int PowerSource;
        public int BatteryPercent = HelloPayload.NoBattery;

        /// <summary>Role switches since the device's first boot.</summary>
        public uint SwitchesTotal;

        /// <summary>The role an assignment was for (0 for a power switch).</summary>
        public int AssignedRole;

        /// <summary>0, or why the device refused an assigned artifact (1 hash mismatch, 2 tag mismatch, 3 not a model, 4 missing).</summary>
        public int Result;

        /// <summary>The transfer that carried an assigned artifact (0 for a power switch).</summary>
        public uint TransferId;

        public string PluggedVariantId = "";
        public string BatteryVariantId = "";

        public static string ReasonName(int reason)
        {
            switch (reason)
            {
                case ReasonPower: return "power";
                case ReasonInstalled: return "installed";
                case ReasonRejected: return "rejected";
                case ReasonRolledBack: return "rolled-back";
                default: return "reason-" + reason;
            }
        }

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(32 + PluggedVariantId.Length + BatteryVariantId.Length);
            w.WriteU8(Reason);
            w.WriteU8(FromRole);
            w.WriteU8(ToRole);
            w.WriteI32((int)UptimeSeconds);
            w.WriteU8(PowerSource);
            w.WriteU8(BatteryPercent);
            w.WriteI32((int)SwitchesTotal);
            w.WriteU8(AssignedRole);
            w.WriteU8(Result);
            w.WriteI32((int)TransferId);
            w.WriteString(PluggedVariantId);
            w.WriteString(BatteryVariantId);
            return w.ToArray();
        }

        public static VariantSwitchPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, Kind);
            try
            {
                VariantSwitchPayload s = new VariantSwitchPayload();
                s.Reason = r.ReadU8("reason");
                s.FromRole = r.ReadU8("from role");
                s.ToRole = r.ReadU8("to role");
                s.UptimeSeconds = r.ReadU32("uptime");
                s.PowerSource = r.ReadU8("power source");
                s.BatteryPercent = r.ReadU8("battery");
                s.SwitchesTotal = r.ReadU32("switches total");
                s.AssignedRole = r.ReadU8("assigned role");
                s.Result = r.ReadU8("result");
                s.TransferId = r.ReadU32("transfer id");
                s.PluggedVariantId = PayloadCodec.ReadString(r, Kind, "plugged variant id");
                s.BatteryVariantId = PayloadCodec.ReadString(r, Kind, "battery variant id");
                PayloadCodec.End(r, Kind);
                Check(s);
                return s;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }

        private static void Check(VariantSwitchPayload s)
        {
            if (s.Reason < ReasonPower || s.Reason > ReasonRolledBack)
            {
                throw PayloadCodec.Invalid(Kind, "reason " + s.Reason);
            }

            if (!VariantAssignment.IsRole(s.FromRole) || !VariantAssignment.IsRole(s.ToRole))
            {
                throw PayloadCodec.Invalid(Kind, "roles " + s.FromRole + " to " + s.ToRole);
            }

            if (s.PowerSource > 2)
            {
                throw PayloadCodec.Invalid(Kind, "power source " + s.PowerSource);
            }

            if (s.BatteryPercent > 100 && s.BatteryPercent != HelloPayload.NoBattery)
            {
                throw PayloadCodec.Invalid(Kind, "battery " + s.BatteryPercent + "%");
            }

            if (s.Reason == ReasonPower)
            {
                if (s.FromRole == s.ToRole || s.AssignedRole != 0 || s.Result != 0 || s.TransferId != 0)
                {
                    throw PayloadCodec.Invalid(Kind, "a power switch goes from one role to the other, without assignment fields");
                }

                return;
            }

            if (s.FromRole != s.ToRole || !VariantAssignment.IsRole(s.AssignedRole))
            {
                throw PayloadCodec.Invalid(Kind, "an assignment report keeps the role and names the assigned role (1 or 2), got " + s.FromRole + " to " + s.ToRole + ", assigned " + s.AssignedRole);
            }

            if (s.Reason == ReasonRolledBack)
            {
                if (s.TransferId != 0)
                {
                    throw PayloadCodec.Invalid(Kind, "a rollback carries no transfer");
                }

                return;
            }

            if ((s.Reason == ReasonInstalled) != (s.Result == 0))
            {
                throw PayloadCodec.Invalid(Kind, "result " + s.Result + " for reason " + ReasonName(s.Reason));
            }
        }
    }
}
