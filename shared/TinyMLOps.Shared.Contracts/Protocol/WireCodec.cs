using System;
using System.Text;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Encoder and decoder of the v1 envelope (docs/protocol.md):
    /// version u8, kind u8, flags u8, id length u8, device id (ASCII), sequence u32, timestamp u32,
    /// payload length u16, payload, [tag, 16 bytes, when flags has <see cref="FlagAuthenticated"/>], CRC-32 u32 of
    /// everything before it. Little-endian. The decoder checks every length before it reads and throws
    /// <see cref="ProtocolException"/> for anything else; <see cref="Verify"/> checks the tag.
    /// </summary>
    public static class WireCodec
    {
        public const int Version = 1;
        public const int MaxDeviceIdLength = 32;
        public const int MaxPayloadLength = 4096;

        /// <summary>Envelope bytes around the device id and the payload.</summary>
        public const int FixedOverhead = 18;

        /// <summary>Flags bit 0: a tag of <see cref="TagBytes"/> follows the payload (<see cref="EnvelopeKeys"/>).</summary>
        public const int FlagAuthenticated = 0x01;

        /// <summary>Bytes of the envelope tag: HMAC-SHA256 truncated to 128 bits.</summary>
        public const int TagBytes = 16;

        public const int MaxMessageLength = FixedOverhead + MaxDeviceIdLength + MaxPayloadLength + TagBytes;

        public static byte[] Encode(Message message)
        {
            return Encode(message, null);
        }

        /// <summary>Encodes and, with a key (<see cref="EnvelopeKeys"/>), authenticates: the flag is set and the tag follows the payload.</summary>
        public static byte[] Encode(Message message, byte[] key)
        {
            byte[] id = DeviceIdBytes(message.DeviceId);
            byte[] payload = message.Payload;
            if (payload.Length > MaxPayloadLength)
            {
                throw new ArgumentException("payload of " + payload.Length + " bytes exceeds " + MaxPayloadLength);
            }

            if (!MessageKind.IsKnown(message.Kind))
            {
                throw new ArgumentException("unknown message kind " + message.Kind);
            }

            if (message.Sequence == 0)
            {
                throw new ArgumentException("sequence 0: sequences start at 1");
            }

            bool tagged = key != null && key.Length > 0;
            int tagLength = tagged ? TagBytes : 0;
            int length = FixedOverhead + id.Length + payload.Length + tagLength;
            byte[] buffer = new byte[length];
            buffer[0] = Version;
            buffer[1] = (byte)message.Kind;
            buffer[2] = tagged ? (byte)FlagAuthenticated : (byte)0;
            buffer[3] = (byte)id.Length;
            Array.Copy(id, 0, buffer, 4, id.Length);
            int p = 4 + id.Length;
            PutU32(buffer, p, message.Sequence);
            PutU32(buffer, p + 4, message.Timestamp);
            buffer[p + 8] = (byte)payload.Length;
            buffer[p + 9] = (byte)(payload.Length >> 8);
            Array.Copy(payload, 0, buffer, p + 10, payload.Length);
            if (tagged)
            {
                int covered = length - 4 - TagBytes;
                Array.Copy(EnvelopeKeys.Tag(key, buffer, 0, covered), 0, buffer, covered, TagBytes);
            }

            uint crc = Crc32.Compute(buffer, 0, length - 4);
            PutU32(buffer, length - 4, crc);
            return buffer;
        }

        /// <summary>
        /// True when <paramref name="data"/>, a message that decodes, carries a tag and the tag is the one
        /// <paramref name="key"/> makes. Compared in fixed time; false for a missing key or an untagged message.
        /// </summary>
        public static bool Verify(byte[] data, byte[] key)
        {
            if (data == null || key == null || key.Length == 0 || data.Length < FixedOverhead + TagBytes + 1 || (data[2] & FlagAuthenticated) == 0)
            {
                return false;
            }

            int covered = data.Length - 4 - TagBytes;
            byte[] stored = new byte[TagBytes];
            Array.Copy(data, covered, stored, 0, TagBytes);
            return ArtifactTag.FixedTimeEquals(EnvelopeKeys.Tag(key, data, 0, covered), stored);
        }

        public static Message Decode(byte[] data)
        {
            if (data == null)
            {
                throw new ProtocolException(RejectReason.Truncated, "no message");
            }

            return Decode(data, 0, data.Length);
        }

        /// <summary>
        /// Decodes the message in <paramref name="count"/> bytes of <paramref name="data"/> from
        /// <paramref name="offset"/>. A range outside the buffer is the caller's error (ArgumentOutOfRangeException);
        /// anything wrong with the bytes themselves is a <see cref="ProtocolException"/>.
        /// </summary>
        public static Message Decode(byte[] data, int offset, int count)
        {
            if (data == null)
            {
                throw new ProtocolException(RejectReason.Truncated, "no message");
            }

            if (offset < 0 || count < 0 || offset > data.Length || count > data.Length - offset)
            {
                throw new ArgumentOutOfRangeException(nameof(count), "bytes " + offset + ".." + offset + "+" + count + " are not inside a buffer of " + data.Length);
            }

            if (count > MaxMessageLength)
            {
                throw new ProtocolException(RejectReason.Oversized, count + " bytes, the limit is " + MaxMessageLength);
            }

            if (count < 1)
            {
                throw new ProtocolException(RejectReason.Truncated, "empty message");
            }

            int version = data[offset];
            if (version != Version)
            {
                throw new ProtocolException(RejectReason.UnknownVersion, "version " + version + ", this decoder reads " + Version);
            }

            if (count < FixedOverhead + 1)
            {
                throw new ProtocolException(RejectReason.Truncated, count + " bytes, an envelope needs at least " + (FixedOverhead + 1));
            }

            int kind = data[offset + 1];
            if (!MessageKind.IsKnown(kind))
            {
                throw new ProtocolException(RejectReason.UnknownKind, "kind " + kind);
            }

            int flags = data[offset + 2];
            if ((flags & ~FlagAuthenticated) != 0)
            {
                throw new ProtocolException(RejectReason.BadPayload, "reserved flags 0x" + flags.ToString("X2") + " are set");
            }

            int tagLength = (flags & FlagAuthenticated) != 0 ? TagBytes : 0;

            int idLength = data[offset + 3];
            if (idLength < 1 || idLength > MaxDeviceIdLength)
            {
                throw new ProtocolException(RejectReason.BadDeviceId, "device id length " + idLength + " is not in 1.." + MaxDeviceIdLength);
            }

            if (count < FixedOverhead + idLength)
            {
                throw new ProtocolException(RejectReason.Truncated, count + " bytes, the header needs " + (FixedOverhead + idLength));
            }

            for (int i = 0; i < idLength; i++)
            {
                if (!IsIdByte(data[offset + 4 + i]))
                {
                    throw new ProtocolException(RejectReason.BadDeviceId, "device id byte " + i + " is 0x" + data[offset + 4 + i].ToString("X2"));
                }
            }

            string deviceId = Encoding.UTF8.GetString(data, offset + 4, idLength);
            int p = offset + 4 + idLength;
            uint sequence = GetU32(data, p);
            uint timestamp = GetU32(data, p + 4);
            int payloadLength = data[p + 8] | (data[p + 9] << 8);
            if (payloadLength > MaxPayloadLength)
            {
                throw new ProtocolException(RejectReason.Oversized, "payload length " + payloadLength + ", the limit is " + MaxPayloadLength);
            }

            int expected = FixedOverhead + idLength + payloadLength + tagLength;
            if (count < expected)
            {
                throw new ProtocolException(RejectReason.Truncated, count + " bytes, the envelope declares " + expected);
            }

            if (count > expected)
            {
                throw new ProtocolException(RejectReason.BadLength, (count - expected) + " bytes after the checksum");
            }

            uint crc = Crc32.Compute(data, offset, expected - 4);
            uint stored = GetU32(data, offset + expected - 4);
            if (crc != stored)
            {
                throw new ProtocolException(RejectReason.BadChecksum, "CRC-32 0x" + stored.ToString("X8") + " stored, 0x" + crc.ToString("X8") + " computed");
            }

            if (sequence == 0)
            {
                throw new ProtocolException(RejectReason.BadPayload, "sequence 0 (sequences start at 1)");
            }

            byte[] payload = new byte[payloadLength];
            Array.Copy(data, p + 10, payload, 0, payloadLength);
            return new Message(kind, deviceId, sequence, timestamp, payload, tagLength > 0);
        }

        /// <summary>True when the id can be used in topics and envelopes: 1 to 32 of A-Z a-z 0-9 - _ .</summary>
        public static bool IsValidDeviceId(string deviceId)
        {
            if (deviceId == null)
            {
                return false;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(deviceId);
            if (bytes.Length < 1 || bytes.Length > MaxDeviceIdLength)
            {
                return false;
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                if (!IsIdByte(bytes[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static byte[] DeviceIdBytes(string deviceId)
        {
            if (!IsValidDeviceId(deviceId))
            {
                throw new ArgumentException("device id must be 1 to " + MaxDeviceIdLength + " of A-Z a-z 0-9 - _ .");
            }

            return Encoding.UTF8.GetBytes(deviceId);
        }

        private static bool IsIdByte(byte b)
        {
            return (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9')
                || b == (byte)'-' || b == (byte)'_' || b == (byte)'.';
        }

        internal static void PutU32(byte[] buffer, int position, uint value)
        {
            buffer[position] = (byte)value;
            buffer[position + 1] = (byte)(value >> 8);
            buffer[position + 2] = (byte)(value >> 16);
            buffer[position + 3] = (byte)(value >> 24);
        }

        internal static uint GetU32(byte[] buffer, int position)
        {
            return (uint)(buffer[position] | (buffer[position + 1] << 8) | (buffer[position + 2] << 16) | (buffer[position + 3] << 24));
        }
    }
}
