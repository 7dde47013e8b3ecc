using System.IO;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// Free heap from the runtime's garbage collector (a collection without compaction, which also returns the free
    /// bytes), and free flash as the drive's size less the files in the storage folder (nanoFramework's DriveInfo
    /// has no free-space property; the folder holds everything the application writes).
    /// </summary>
    public sealed class NativeMemoryInfo : IMemoryInfo
    {
        private readonly string _drive;
        private readonly string _folder;

        /// <param name="drive">The drive root, for example "I:\\".</param>
        /// <param name="folder">The folder the application's storage uses (often the drive root).</param>
        public NativeMemoryInfo(string drive, string folder)
        {
            _drive = drive;
            _folder = folder;
        }

        public long FreeHeapBytes
        {
            get { return nanoFramework.Runtime.Native.GC.Run(false); }
        }

        public long FreeFlashBytes
        {
            get
            {
                try
                {
                    long used = 0;
                    string[] files = Directory.GetFiles(_folder);
                    for (int i = 0; i < files.Length; i++)
                    {
                        using (FileStream stream = new FileStream(files[i], FileMode.Open, FileAccess.Read))
                        {
                            used += stream.Length;
                        }
                    }

                    long free = new DriveInfo(_drive).TotalSize - used;
                    return free < 0 ? 0 : free;
                }
                catch (System.Exception)
                {
                    return -1;
                }
            }
        }
    }
}
