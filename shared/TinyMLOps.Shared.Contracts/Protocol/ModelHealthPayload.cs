using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// How one model variant did on a device over a window (kind <see cref="MessageKind.ModelHealth"/>): inferences,
    /// errors (failed loads and inferences), the mean and low-confidence share of the top-1 confidence, and a drift
    /// score when the device computes one. The host's rollouts compare these between a new variant and the one it
    /// replaced. Windows are consecutive and never overlap, so they add up on the host; they are droppable (a lost
    /// window only makes the host's evidence thinner).
    /// </summary>
    public sealed class ModelHealthPayload
    {
        /// <summary><see cref="DriftMilli"/> when the device has no drift score.</summary>
        public const int NoDrift = 0xFFFF;

        /// <summary>Confidence below this (in 1/65535) counts as low.</summary>
        public const int LowConfidence = 32768;

        private const string Kind = "model-health";

        public string VariantId = "";

        /// <summary>The role the variant ran in: <see cref="VariantAssignment.RolePlugged"/> or <see cref="VariantAssignment.RoleBattery"/>, 0 for a model outside the role slots.</summary>
        public int Role;

        /// <summary>Device uptime at the start of the window, and its length.</summary>
        public uint StartUptimeSeconds;
        public uint WindowSeconds;
        public uint Inferences;
        public uint Errors;

        /// <summary>Mean top-1 confidence in 1/65535 (0 when there were no inferences).</summary>
        public int MeanConfidence;

        /// <summary>Inferences whose top-1 confidence was below <see cref="LowConfidence"/>.</summary>
        public uint LowConfidenceCount;

        /// <summary>Drift score (PSI) times 1000, or <see cref="NoDrift"/>.</summary>
        public int DriftMilli = NoDrift;

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(32 + VariantId.Length);
            w.WriteString(VariantId);
            w.WriteU8(Role);
            w.WriteI32((int)StartUptimeSeconds);
            w.WriteI32((int)WindowSeconds);
            w.WriteI32((int)Inferences);
            w.WriteI32((int)Errors);
            w.WriteU16(MeanConfidence);
            w.WriteI32((int)LowConfidenceCount);
            w.WriteU16(DriftMilli);
            return w.ToArray();
        }

        public static ModelHealthPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, Kind);
            try
            {
                ModelHealthPayload h = new ModelHealthPayload();
                h.VariantId = PayloadCodec.ReadString(r, Kind, "variant id");
                h.Role = r.ReadU8("role");
                h.StartUptimeSeconds = r.ReadU32("start uptime");
                h.WindowSeconds = r.ReadU32("window");
                h.Inferences = r.ReadU32("inferences");
                h.Errors = r.ReadU32("errors");
                h.MeanConfidence = r.ReadU16("mean confidence");
                h.LowConfidenceCount = r.ReadU32("low confidence");
                h.DriftMilli = r.ReadU16("drift");
                PayloadCodec.End(r, Kind);
                if (h.Role != 0 && !VariantAssignment.IsRole(h.Role))
                {
                    throw PayloadCodec.Invalid(Kind, "role " + h.Role);
                }

                if (h.LowConfidenceCount > h.Inferences)
                {
                    throw PayloadCodec.Invalid(Kind, h.LowConfidenceCount + " low-confidence of " + h.Inferences + " inferences");
                }

                if (h.Inferences == 0 && h.MeanConfidence != 0)
                {
                    throw PayloadCodec.Invalid(Kind, "a mean confidence without inferences");
                }

                return h;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }
    }
}
