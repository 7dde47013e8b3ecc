using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The arguments of the <see cref="CommandName"/> command: return a role to the variant it ran before. The device
    /// acts only when the role runs <see cref="FromVariantId"/> and its kept previous slot holds
    /// <see cref="ToVariantId"/> (or already runs <see cref="ToVariantId"/>: a repeated command changes nothing), so
    /// a late or repeated command cannot undo a newer install. A refused rollback leaves the host to assign the old
    /// artifact again.
    /// </summary>
    public sealed class VariantRollback
    {
        public const string CommandName = "variant-rollback";

        public int Role;
        public string FromVariantId = "";
        public string ToVariantId = "";

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(8 + FromVariantId.Length + ToVariantId.Length);
            w.WriteU8(Role);
            w.WriteString(FromVariantId);
            w.WriteString(ToVariantId);
            return w.ToArray();
        }

        public static VariantRollback Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, CommandName);
            try
            {
                VariantRollback b = new VariantRollback();
                b.Role = r.ReadU8("role");
                b.FromVariantId = PayloadCodec.ReadString(r, CommandName, "from variant id");
                b.ToVariantId = PayloadCodec.ReadString(r, CommandName, "to variant id");
                PayloadCodec.End(r, CommandName);
                if (!VariantAssignment.IsRole(b.Role))
                {
                    throw PayloadCodec.Invalid(CommandName, "role " + b.Role);
                }

                if (b.FromVariantId.Length == 0 || b.ToVariantId.Length == 0 || b.FromVariantId == b.ToVariantId)
                {
                    throw PayloadCodec.Invalid(CommandName, "a rollback names two different variants");
                }

                return b;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, CommandName);
            }
        }
    }
}
