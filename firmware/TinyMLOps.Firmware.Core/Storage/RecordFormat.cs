using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// The framing every persisted file of the sync layer uses: marker u8 (0xA7), type u8, body length u16,
    /// body, CRC-32 u32 of everything before it. Little-endian. A power cut leaves at most one torn record at
    /// the end of a file, which the CRC (or a short read) exposes, so readers stop and cut the tail there.
    /// </summary>
    public static class RecordFormat
    {
        public const int Marker = 0xA7;
        public const int Overhead = 8;
        public const int MaxBody = 0xFFFF;

        public static byte[] Frame(int type, byte[] body, int count)
        {
            byte[] record = new byte[Overhead + count];
            record[0] = Marker;
            record[1] = (byte)type;
            record[2] = (byte)count;
            record[3] = (byte)(count >> 8);
            System.Array.Copy(body, 0, record, 4, count);
            PutU32(record, 4 + count, Crc32.Compute(record, 0, 4 + count));
            return record;
        }

        public static void PutU32(byte[] buffer, int position, uint value)
        {
            buffer[position] = (byte)value;
            buffer[position + 1] = (byte)(value >> 8);
            buffer[position + 2] = (byte)(value >> 16);
            buffer[position + 3] = (byte)(value >> 24);
        }

        public static uint GetU32(byte[] buffer, int position)
        {
            return (uint)(buffer[position] | (buffer[position + 1] << 8) | (buffer[position + 2] << 16) | (buffer[position + 3] << 24));
        }

        public static void PutU16(byte[] buffer, int position, int value)
        {
            buffer[position] = (byte)value;
            buffer[position + 1] = (byte)(value >> 8);
        }

        public static int GetU16(byte[] buffer, int position)
        {
            return buffer[position] | (buffer[position + 1] << 8);
        }
    }
}
