using System.IO;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// IStorage on a nanoFramework file system folder, by default the root of the internal flash drive I:\
    /// (LittleFS on ESP32). Every write is flushed before the call returns, as IStorage promises.
    /// </summary>
    public sealed class FlashStorage : IStorage
    {
        public const string InternalFlashRoot = "I:\\";

        private readonly string _root;

        /// <summary>Storage at the root of the internal flash drive.</summary>
        public FlashStorage()
            : this(InternalFlashRoot)
        {
        }

        /// <param name="root">An existing folder, ending with a backslash (for example "I:\\" or "D:\\data\\").</param>
        public FlashStorage(string root)
        {
            _root = root;
        }

        public bool Exists(string name)
        {
            return File.Exists(PathOf(name));
        }

        public int Length(string name)
        {
            string path = PathOf(name);
            if (!File.Exists(path))
            {
                return -1;
            }

            using (FileStream stream = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                return (int)stream.Length;
            }
        }

        public byte[] ReadAll(string name)
        {
            string path = PathOf(name);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }

        public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
        {
            string path = PathOf(name);
            if (!File.Exists(path))
            {
                return 0;
            }

            using (FileStream stream = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                if (offset >= stream.Length)
                {
                    return 0;
                }

                stream.Seek(offset, SeekOrigin.Begin);

                // A file stream may return fewer bytes than asked; keep reading until count or the end.
                int total = 0;
                while (total < count)
                {
                    int read = stream.Read(buffer, bufferOffset + total, count - total);
                    if (read <= 0)
                    {
                        break;
                    }

                    total += read;
                }

                return total;
            }
        }

        public void Append(string name, byte[] data, int offset, int count)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Append, FileAccess.Write))
            {
                stream.Write(data, offset, count);
                stream.Flush();
            }
        }

        public void WriteAll(string name, byte[] data)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Create, FileAccess.Write))
            {
                stream.Write(data, 0, data.Length);
                stream.Flush();
            }
        }

        public void Truncate(string name, int length)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.ReadWrite))
            {
                stream.SetLength(length);
                stream.Flush();
            }
        }

        public void Delete(string name)
        {
            string path = PathOf(name);
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        public void Rename(string from, string to)
        {
            // File.Move does not replace an existing target, so the target goes first. A power cut between the
            // two leaves the source in place and no target.
            string target = PathOf(to);
            if (File.Exists(target))
            {
                File.Delete(target);
            }

            File.Move(PathOf(from), target);
        }

        private string PathOf(string name)
        {
            return _root + name;
        }
    }
}
