using System;
using System.Text;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// Reads a file written by <see cref="LargeFileWriter"/> front to back, one part in RAM at a time. The whole file
    /// is checked when opened (every record's CRC, the end record's length and part count), so a reader only exists
    /// for a complete file. Temp files are settled as <see cref="SmallFile.Read"/> does.
    /// </summary>
    public sealed class LargeFileReader
    {
        private readonly RecordReader _records;
        private readonly int _length;
        private readonly byte[] _scratch = new byte[8];
        private int _partAt;
        private int _partLength;
        private int _position;

        private LargeFileReader(RecordReader records, int length)
        {
            _records = records;
            _length = length;
        }

        /// <summary>Data bytes in the file.</summary>
        public int Length
        {
            get { return _length; }
        }

        public int Remaining
        {
            get { return _length - _position; }
        }

        /// <summary>A reader of the file, or null when it is missing, torn or corrupt.</summary>
        public static LargeFileReader Open(IStorage storage, string name)
        {
            string temp = SmallFile.TempName(name);
            if (!storage.Exists(name) && storage.Exists(temp))
            {
                // A rename cut on a delete-then-move file system: the temp file was complete before it began.
                storage.Rename(temp, name);
            }

            if (storage.Exists(temp))
            {
                storage.Delete(temp);
            }

            if (!storage.Exists(name))
            {
                return null;
            }

            RecordReader check = new RecordReader(storage, name, RecordFormat.MaxBody);
            int total = 0;
            int parts = 0;
            while (check.Next())
            {
                if (check.Type == LargeFileWriter.PartType)
                {
                    total += check.BodyLength;
                    parts++;
                    continue;
                }

                if (check.Type == LargeFileWriter.EndType && check.BodyLength == 8
                    && RecordFormat.GetU32(check.Buffer, 4) == (uint)total && RecordFormat.GetU32(check.Buffer, 8) == (uint)parts)
                {
                    return new LargeFileReader(new RecordReader(storage, name, RecordFormat.MaxBody), total);
                }

                return null;
            }

            return null;
        }

        public int ReadU8()
        {
            ReadBytes(_scratch, 0, 1);
            return _scratch[0];
        }

        public int ReadU16()
        {
            ReadBytes(_scratch, 0, 2);
            return RecordFormat.GetU16(_scratch, 0);
        }

        public uint ReadU32()
        {
            ReadBytes(_scratch, 0, 4);
            return RecordFormat.GetU32(_scratch, 0);
        }

        public float ReadF32()
        {
            ReadBytes(_scratch, 0, 4);
            return BitConverter.ToSingle(_scratch, 0);
        }

        public string ReadString()
        {
            int n = ReadU8();
            byte[] bytes = new byte[n];
            ReadBytes(bytes, 0, n);
            return Encoding.UTF8.GetString(bytes, 0, n);
        }

        /// <exception cref="ModelFormatException">The file ends first.</exception>
        public void ReadBytes(byte[] output, int offset, int count)
        {
            while (count > 0)
            {
                int n = Take(count);
                Array.Copy(_records.Buffer, 4 + _partAt, output, offset, n);
                Advance(n);
                offset += n;
                count -= n;
            }
        }

        public void ReadSBytes(sbyte[] output, int offset, int count)
        {
            while (count > 0)
            {
                int n = Take(count);
                byte[] part = _records.Buffer;
                for (int i = 0; i < n; i++)
                {
                    output[offset + i] = (sbyte)part[4 + _partAt + i];
                }

                Advance(n);
                offset += n;
                count -= n;
            }
        }

        // Bytes available from the current part (loading the next one when needed), at most count.
        private int Take(int count)
        {
            if (count > Remaining)
            {
                throw new ModelFormatException("file ends " + (count - Remaining) + " bytes early");
            }

            while (_partAt >= _partLength)
            {
                if (!_records.Next() || _records.Type != LargeFileWriter.PartType)
                {
                    // Checked at open; only a file changed since then gets here.
                    throw new ModelFormatException("file changed while read");
                }

                _partAt = 0;
                _partLength = _records.BodyLength;
            }

            int n = _partLength - _partAt;
            return n < count ? n : count;
        }

        private void Advance(int n)
        {
            _partAt += n;
            _position += n;
        }
    }
}
