using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// Passes every call through and counts the mutations (append, write, truncate, delete, rename): each is
    /// at least one flash program on the board, which is what wears the flash and what metering must keep rare.
    /// </summary>
    public sealed class WriteCountingStorage : IStorage
    {
        private readonly IStorage _inner;

        public WriteCountingStorage(IStorage inner)
        {
            if (inner == null)
            {
                throw new System.ArgumentNullException("inner");
            }

            _inner = inner;
        }

        /// <summary>Mutations since this wrapper was made.</summary>
        public int Writes { get; private set; }

        public bool Exists(string name)
        {
            return _inner.Exists(name);
        }

        public int Length(string name)
        {
            return _inner.Length(name);
        }

        public byte[] ReadAll(string name)
        {
            return _inner.ReadAll(name);
        }

        public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
        {
            return _inner.Read(name, offset, buffer, bufferOffset, count);
        }

        public void Append(string name, byte[] data, int offset, int count)
        {
            Writes++;
            _inner.Append(name, data, offset, count);
        }

        public void WriteAll(string name, byte[] data)
        {
            Writes++;
            _inner.WriteAll(name, data);
        }

        public void Truncate(string name, int length)
        {
            Writes++;
            _inner.Truncate(name, length);
        }

        public void Delete(string name)
        {
            Writes++;
            _inner.Delete(name);
        }

        public void Rename(string from, string to)
        {
            Writes++;
            _inner.Rename(from, to);
        }
    }
}
