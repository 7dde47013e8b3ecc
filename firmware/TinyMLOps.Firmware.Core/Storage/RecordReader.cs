using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// Reads a file of <see cref="RecordFormat"/> records front to back without loading the file: one body
    /// buffer, reused. <see cref="Next"/> is false at the end or at the first torn or corrupt record;
    /// <see cref="ValidLength"/> is then where the good prefix ends.
    /// </summary>
    public sealed class RecordReader
    {
        private readonly IStorage _storage;
        private readonly string _name;
        private readonly int _fileLength;
        private readonly int _maxBody;
        private readonly byte[] _head = new byte[4];
        private byte[] _buffer;

        public RecordReader(IStorage storage, string name, int maxBody)
        {
            _storage = storage;
            _name = name;
            _fileLength = storage.Length(name);
            if (_fileLength < 0)
            {
                _fileLength = 0;
            }

            _maxBody = maxBody;
            _buffer = new byte[64];
        }

        public int FileLength
        {
            get { return _fileLength; }
        }

        /// <summary>The end of the last good record read so far.</summary>
        public int ValidLength { get; private set; }

        public int Type { get; private set; }

        /// <summary>Where the current record starts in the file.</summary>
        public int Offset { get; private set; }

        /// <summary>The current record's body starts at index 4 of this buffer (after the record head).</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        public int BodyLength { get; private set; }

        public int RecordLength
        {
            get { return RecordFormat.Overhead + BodyLength; }
        }

        public bool Next()
        {
            int position = ValidLength;
            if (_fileLength - position < RecordFormat.Overhead)
            {
                return false;
            }

            if (_storage.Read(_name, position, _head, 0, 4) != 4 || _head[0] != RecordFormat.Marker)
            {
                return false;
            }

            int length = RecordFormat.GetU16(_head, 2);
            if (length > _maxBody || _fileLength - position < RecordFormat.Overhead + length)
            {
                return false;
            }

            int total = RecordFormat.Overhead + length;
            if (_buffer.Length < total)
            {
                _buffer = new byte[total];
            }

            if (_storage.Read(_name, position, _buffer, 0, total) != total)
            {
                return false;
            }

            uint crc = Crc32.Compute(_buffer, 0, 4 + length);
            if (crc != RecordFormat.GetU32(_buffer, 4 + length))
            {
                return false;
            }

            Type = _buffer[1];
            BodyLength = length;
            Offset = position;
            ValidLength = position + total;
            return true;
        }
    }
}
