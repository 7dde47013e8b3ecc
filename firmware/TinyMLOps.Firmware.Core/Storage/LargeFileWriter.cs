using System;
using System.Text;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// Writes a file replaced as a whole, like <see cref="SmallFile"/> (temp file, then rename) but for contents above
    /// one record's 64 KiB and without holding them in RAM: the data goes to "name.tmp" as part records
    /// (<see cref="RecordFormat"/>, type <see cref="PartType"/>) of at most the part size, then an end record holding
    /// the total length and part count, then the rename. <see cref="LargeFileReader"/> accepts a file only with its
    /// end record, so a cut anywhere leaves the old contents or the new, never a mix.
    /// </summary>
    public sealed class LargeFileWriter
    {
        public const int PartType = 2;
        public const int EndType = 3;
        public const int DefaultPartBytes = 4096;

        private readonly IStorage _storage;
        private readonly string _name;
        private readonly string _temp;
        private readonly byte[] _part;
        private readonly byte[] _scratch = new byte[8];
        private int _used;
        private int _total;
        private int _parts;
        private bool _started;
        private bool _committed;

        public LargeFileWriter(IStorage storage, string name, int partBytes)
        {
            if (partBytes < 16 || partBytes > RecordFormat.MaxBody)
            {
                throw new ArgumentException("parts are 16 to " + RecordFormat.MaxBody + " bytes");
            }

            _storage = storage;
            _name = name;
            _temp = SmallFile.TempName(name);
            _part = new byte[partBytes];
        }

        /// <summary>Data bytes written so far.</summary>
        public int Length
        {
            get { return _total; }
        }

        public void WriteU8(int value)
        {
            _scratch[0] = (byte)value;
            WriteBytes(_scratch, 0, 1);
        }

        public void WriteU16(int value)
        {
            RecordFormat.PutU16(_scratch, 0, value);
            WriteBytes(_scratch, 0, 2);
        }

        public void WriteU32(uint value)
        {
            RecordFormat.PutU32(_scratch, 0, value);
            WriteBytes(_scratch, 0, 4);
        }

        public void WriteF32(float value)
        {
            WriteBytes(BitConverter.GetBytes(value), 0, 4);
        }

        /// <summary>u8 length and UTF-8, up to 255 bytes.</summary>
        public void WriteString(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value == null ? "" : value);
            if (bytes.Length > 255)
            {
                throw new ArgumentException("string longer than 255 UTF-8 bytes");
            }

            WriteU8(bytes.Length);
            WriteBytes(bytes, 0, bytes.Length);
        }

        public void WriteBytes(byte[] data, int offset, int count)
        {
            while (count > 0)
            {
                int n = _part.Length - _used;
                if (n > count)
                {
                    n = count;
                }

                Array.Copy(data, offset, _part, _used, n);
                _used += n;
                _total += n;
                offset += n;
                count -= n;
                if (_used == _part.Length)
                {
                    Flush();
                }
            }
        }

        /// <summary>Int8 values as their two's complement bytes.</summary>
        public void WriteSBytes(sbyte[] data, int offset, int count)
        {
            while (count > 0)
            {
                int n = _part.Length - _used;
                if (n > count)
                {
                    n = count;
                }

                for (int i = 0; i < n; i++)
                {
                    _part[_used + i] = (byte)data[offset + i];
                }

                _used += n;
                _total += n;
                offset += n;
                count -= n;
                if (_used == _part.Length)
                {
                    Flush();
                }
            }
        }

        /// <summary>Writes the last part and the end record, then renames the temp file over the file.</summary>
        public void Commit()
        {
            if (_committed)
            {
                throw new InvalidOperationException("already committed");
            }

            if (_used > 0)
            {
                Flush();
            }

            byte[] end = new byte[8];
            RecordFormat.PutU32(end, 0, (uint)_total);
            RecordFormat.PutU32(end, 4, (uint)_parts);
            Append(RecordFormat.Frame(EndType, end, end.Length));
            _storage.Rename(_temp, _name);
            _committed = true;
        }

        private void Flush()
        {
            Append(RecordFormat.Frame(PartType, _part, _used));
            _parts++;
            _used = 0;
        }

        private void Append(byte[] record)
        {
            if (!_started)
            {
                // The first record replaces whatever a cut write left in the temp file.
                _storage.WriteAll(_temp, record);
                _started = true;
                return;
            }

            _storage.Append(_temp, record, 0, record.Length);
        }
    }
}
