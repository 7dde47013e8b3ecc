using System;
using System.Text;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Util
{
    /// <summary>Little-endian reader over a byte range. Every read checks its length first.</summary>
    public sealed class ByteReader
    {
        private readonly byte[] _data;
        private readonly int _end;
        private int _position;

        public ByteReader(byte[] data, int offset, int end)
        {
            _data = data;
            _position = offset;
            _end = end;
        }

        public int Position
        {
            get { return _position; }
        }

        public int Remaining
        {
            get { return _end - _position; }
        }

        public byte[] Data
        {
            get { return _data; }
        }

        public void Require(int count, string what)
        {
            if (count < 0 || count > _end - _position)
            {
                throw new ModelFormatException("truncated: " + what + " needs " + count + " bytes at offset " + _position + ", " + (_end - _position) + " left");
            }
        }

        public int ReadU8(string what)
        {
            Require(1, what);
            return _data[_position++];
        }

        public int ReadI8(string what)
        {
            Require(1, what);
            return (sbyte)_data[_position++];
        }

        public int ReadU16(string what)
        {
            Require(2, what);
            int v = _data[_position] | (_data[_position + 1] << 8);
            _position += 2;
            return v;
        }

        public int ReadI32(string what)
        {
            Require(4, what);
            int v = _data[_position] | (_data[_position + 1] << 8) | (_data[_position + 2] << 16) | (_data[_position + 3] << 24);
            _position += 4;
            return v;
        }

        public uint ReadU32(string what)
        {
            return (uint)ReadI32(what);
        }

        public ulong ReadU64(string what)
        {
            Require(8, what);
            ulong v = 0;
            for (int i = 7; i >= 0; i--)
            {
                v = (v << 8) | _data[_position + i];
            }

            _position += 8;
            return v;
        }

        public float ReadF32(string what)
        {
            Require(4, what);
            float v = BitConverter.ToSingle(_data, _position);
            _position += 4;
            return v;
        }

        /// <summary>A UTF-8 string with a one-byte length prefix.</summary>
        public string ReadString(string what)
        {
            int length = ReadU8(what + " length");
            Require(length, what);
            string s;
            try
            {
                s = Encoding.UTF8.GetString(_data, _position, length);
            }
            catch (Exception)
            {
                throw new ModelFormatException(what + " is not valid UTF-8");
            }

            _position += length;
            return s;
        }

        /// <summary>Skips a block and returns where it started, so large arrays stay in the source buffer.</summary>
        public int Skip(int count, string what)
        {
            Require(count, what);
            int start = _position;
            _position += count;
            return start;
        }
    }
}
