using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Shared checks of the payload decoders: every field length-checked, no trailing bytes.</summary>
    internal static class PayloadCodec
    {
        public static ByteReader Reader(byte[] payload, string kind)
        {
            if (payload == null)
            {
                throw new ProtocolException(RejectReason.BadPayload, kind + ": no payload");
            }

            return new ByteReader(payload, 0, payload.Length);
        }

        public static void End(ByteReader reader, string kind)
        {
            if (reader.Remaining != 0)
            {
                throw new ProtocolException(RejectReason.BadPayload, kind + ": " + reader.Remaining + " bytes after the last field");
            }
        }

        public static ProtocolException Wrap(ModelFormatException e, string kind)
        {
            return new ProtocolException(RejectReason.BadPayload, kind + ": " + e.Message);
        }

        public static ProtocolException Invalid(string kind, string what)
        {
            return new ProtocolException(RejectReason.BadPayload, kind + ": " + what);
        }

        public static byte[] ReadBlock(ByteReader reader, string what)
        {
            int length = reader.ReadU16(what + " length");
            int start = reader.Skip(length, what);
            byte[] block = new byte[length];
            System.Array.Copy(reader.Data, start, block, 0, length);
            return block;
        }

        public static void WriteBlock(ByteWriter writer, byte[] block)
        {
            writer.WriteU16(block.Length);
            writer.WriteBytes(block, 0, block.Length);
        }
    }
}
