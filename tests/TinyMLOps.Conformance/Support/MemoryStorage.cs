using System.Collections;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>IStorage in RAM for the device-side tests: the same calls as the flash drive, no flash wear on the test board.</summary>
    public sealed class MemoryStorage : IStorage
    {
        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _contents = new ArrayList();

        public bool Exists(string name)
        {
            return IndexOf(name) >= 0;
        }

        public int Length(string name)
        {
            int i = IndexOf(name);
            return i < 0 ? -1 : ((byte[])_contents[i]).Length;
        }

        public byte[] ReadAll(string name)
        {
            int i = IndexOf(name);
            return i < 0 ? null : Copy((byte[])_contents[i], 0, ((byte[])_contents[i]).Length);
        }

        public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
        {
            int i = IndexOf(name);
            if (i < 0)
            {
                return 0;
            }

            byte[] data = (byte[])_contents[i];
            int n = offset >= data.Length ? 0 : (data.Length - offset < count ? data.Length - offset : count);
            for (int k = 0; k < n; k++)
            {
                buffer[bufferOffset + k] = data[offset + k];
            }

            return n;
        }

        public void Append(string name, byte[] data, int offset, int count)
        {
            byte[] old = ReadAll(name);
            int oldLength = old == null ? 0 : old.Length;
            byte[] grown = new byte[oldLength + count];
            for (int k = 0; k < oldLength; k++)
            {
                grown[k] = old[k];
            }

            for (int k = 0; k < count; k++)
            {
                grown[oldLength + k] = data[offset + k];
            }

            Put(name, grown);
        }

        public void WriteAll(string name, byte[] data)
        {
            Put(name, Copy(data, 0, data.Length));
        }

        public void Truncate(string name, int length)
        {
            byte[] old = ReadAll(name);
            if (old != null)
            {
                Put(name, Copy(old, 0, length < old.Length ? length : old.Length));
            }
        }

        public void Delete(string name)
        {
            int i = IndexOf(name);
            if (i >= 0)
            {
                _names.RemoveAt(i);
                _contents.RemoveAt(i);
            }
        }

        public void Rename(string from, string to)
        {
            byte[] data = ReadAll(from);
            if (data != null)
            {
                Delete(from);
                Put(to, data);
            }
        }

        private void Put(string name, byte[] data)
        {
            int i = IndexOf(name);
            if (i < 0)
            {
                _names.Add(name);
                _contents.Add(data);
            }
            else
            {
                _contents[i] = data;
            }
        }

        private int IndexOf(string name)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }

        private static byte[] Copy(byte[] data, int offset, int count)
        {
            byte[] copy = new byte[count];
            for (int k = 0; k < count; k++)
            {
                copy[k] = data[offset + k];
            }

            return copy;
        }
    }
}
