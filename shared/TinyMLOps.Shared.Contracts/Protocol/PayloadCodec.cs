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

        /// <summary>
        /// A string field (u8 byte length, UTF-8). Only well-formed UTF-8 is accepted (no overlong forms,
        /// surrogates or code points above U+10FFFF), so a decoded string encodes back to the same bytes.
        /// </summary>
        public static string ReadString(ByteReader reader, string kind, string what)
        {
            int start = reader.Position;
            string s = reader.ReadString(what);
            if (!IsUtf8(reader.Data, start + 1, reader.Data[start]))
            {
                throw Invalid(kind, what + " is not well-formed UTF-8");
            }

            return s;
        }

        public static bool IsUtf8(byte[] data, int offset, int count)
        {
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                int b = data[i];
                if (b < 0x80)
                {
                    i++;
                    continue;
                }

                int more;
                int low = 0x80;
                int high = 0xBF;
                if (b >= 0xC2 && b <= 0xDF)
                {
                    more = 1;
                }
                else if (b >= 0xE0 && b <= 0xEF)
                {
                    more = 2;
                    if (b == 0xE0)
                    {
                        low = 0xA0;
                    }
                    else if (b == 0xED)
                    {
                        high = 0x9F;
                    }
                }
                else if (b >= 0xF0 && b <= 0xF4)
                {
                    more = 3;
                    if (b == 0xF0)
                    {
                        low = 0x90;
                    }
                    else if (b == 0xF4)
                    {
                        high = 0x8F;
                    }
                }
                else
                {
                    return false;
                }

                if (end - i <= more)
                {
                    return false;
                }

                for (int k = 1; k <= more; k++)
                {
                    int c = data[i + k];
                    if (c < low || c > high)
                    {
                        return false;
                    }

                    low = 0x80;
                    high = 0xBF;
                }

                i += more + 1;
            }

            return true;
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
