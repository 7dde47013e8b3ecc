using System.Text;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The arguments of the <see cref="CommandName"/> command: which role slot a variant is for, the variant id,
    /// content hash and tag it must verify with on the device (<see cref="ArtifactTag"/>), and the downlink
    /// transfer (content type <see cref="ContentTypeModel"/>) that carries its bytes. Roles on the wire are
    /// <see cref="ModelRole"/> values; <see cref="RolePlugged"/> and <see cref="RoleBattery"/> are the same numbers
    /// for the payloads' int role fields.
    /// </summary>
    public sealed class VariantAssignment
    {
        public const string CommandName = "variant-assign";

        public const int RolePlugged = (int)ModelRole.Plugged;
        public const int RoleBattery = (int)ModelRole.Battery;

        /// <summary>The chunk content type of a model artifact.</summary>
        public const int ContentTypeModel = 1;

        /// <summary>Encoded size with an empty variant id: role, id length, hash, tag, transfer id, total length.</summary>
        public const int FixedBytes = 1 + 1 + ArtifactTag.HashBytes + ArtifactTag.TagBytes + 4 + 4;

        public int Role;
        public string VariantId = "";
        public byte[] ContentHash = new byte[ArtifactTag.HashBytes];
        public byte[] Tag = new byte[ArtifactTag.TagBytes];
        public uint TransferId;
        public uint TotalLength;

        public static bool IsRole(int role)
        {
            return ModelRoles.IsSlot(role);
        }

        public static string RoleName(int role)
        {
            return IsRole(role) ? ModelRoles.Name((ModelRole)role) : "role-" + role;
        }

        public byte[] Encode()
        {
            if (ContentHash == null || ContentHash.Length != ArtifactTag.HashBytes || Tag == null || Tag.Length != ArtifactTag.TagBytes)
            {
                throw new System.ArgumentException("content hash and tag must be 32 bytes each");
            }

            ByteWriter w = new ByteWriter(FixedBytes + Encoding.UTF8.GetBytes(VariantId).Length);
            w.WriteU8(Role);
            w.WriteString(VariantId);
            w.WriteBytes(ContentHash, 0, ArtifactTag.HashBytes);
            w.WriteBytes(Tag, 0, ArtifactTag.TagBytes);
            w.WriteI32((int)TransferId);
            w.WriteI32((int)TotalLength);
            return w.ToArray();
        }

        public static VariantAssignment Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, CommandName);
            try
            {
                VariantAssignment a = new VariantAssignment();
                a.Role = r.ReadU8("role");
                if (!IsRole(a.Role))
                {
                    throw PayloadCodec.Invalid(CommandName, "role " + a.Role);
                }

                a.VariantId = PayloadCodec.ReadString(r, CommandName, "variant id");
                if (a.VariantId.Length == 0)
                {
                    throw PayloadCodec.Invalid(CommandName, "empty variant id");
                }

                a.ContentHash = Block(r, ArtifactTag.HashBytes, "content hash");
                a.Tag = Block(r, ArtifactTag.TagBytes, "tag");
                a.TransferId = r.ReadU32("transfer id");
                a.TotalLength = r.ReadU32("total length");
                PayloadCodec.End(r, CommandName);
                return a;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, CommandName);
            }
        }

        private static byte[] Block(ByteReader r, int length, string what)
        {
            int start = r.Skip(length, what);
            byte[] block = new byte[length];
            System.Array.Copy(r.Data, start, block, 0, length);
            return block;
        }
    }
}
