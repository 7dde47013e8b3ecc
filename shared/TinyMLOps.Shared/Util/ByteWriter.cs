using System;
using System.Text;

namespace TinyMLOps.Shared.Util
{
    /// <summary>Growable little-endian writer; the counterpart of <see cref="ByteReader"/>.</summary>
    public sealed class ByteWriter
    {
        private byte[] _buffer;
        private int _length;

        public ByteWriter(int capacity)
        {
            _buffer = new byte[capacity < 16 ? 16 : capacity];
        }

        public int Length
        {
            get { return _length; }
        }

        public void WriteU8(int value)
        {
            Ensure(1);
            _buffer[_length++] = (byte)value;
        }

        public void WriteU16(int value)
        {
            if (value < 0 || value > 0xFFFF)
            {
                throw new ArgumentException("value does not fit in 16 bits: " + value);
            }

            Ensure(2);
            _buffer[_length++] = (byte)value;
            _buffer[_length++] = (byte)(value >> 8);
        }

        public void WriteI32(int value)
        {
            Ensure(4);
            _buffer[_length++] = (byte)value;
            _buffer[_length++] = (byte)(value >> 8);
            _buffer[_length++] = (byte)(value >> 16);
            _buffer[_length++] = (byte)(value >> 24);
        }

        /// <summary>Eight bytes little-endian; a ulong is written as its (long) bit pattern.</summary>
        public void WriteI64(long value)
        {
            Ensure(8);
            for (int i = 0; i < 8; i++)
            {
                _buffer[_length++] = (byte)(value >> (8 * i));
            }
        }

        public void WriteF32(float value)
        {
            WriteBytes(BitConverter.GetBytes(value), 0, 4);
        }

        public void WriteString(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            if (bytes.Length > 255)
            {
                throw new ArgumentException("string longer than 255 UTF-8 bytes");
            }

            WriteU8(bytes.Length);
            WriteBytes(bytes, 0, bytes.Length);
        }

        public void WriteBytes(byte[] data, int offset, int count)
        {
            Ensure(count);
            Array.Copy(data, offset, _buffer, _length, count);
            _length += count;
        }

        /// <summary>Overwrites four bytes already written (used for length fields).</summary>
        public void PatchI32(int position, int value)
        {
            _buffer[position] = (byte)value;
            _buffer[position + 1] = (byte)(value >> 8);
            _buffer[position + 2] = (byte)(value >> 16);
            _buffer[position + 3] = (byte)(value >> 24);
        }

        public byte[] ToArray()
        {
            byte[] result = new byte[_length];
            Array.Copy(_buffer, 0, result, 0, _length);
            return result;
        }

        private void Ensure(int extra)
        {
            if (_length + extra <= _buffer.Length)
            {
                return;
            }

            int size = _buffer.Length * 2;
            while (size < _length + extra)
            {
                size *= 2;
            }

            byte[] grown = new byte[size];
            Array.Copy(_buffer, 0, grown, 0, _length);
            _buffer = grown;
        }
    }
}
