// Declaration-only facade of nanoFramework System.IO.FileSystem 1.1 (package nanoFramework.System.IO.FileSystem):
// File, FileStream and their enums, as FlashStorage uses them on the internal flash drive (I:\); Directory and
// DriveInfo for the free space NativeMemoryInfo reports.
// See shared/nanoframework-api/System.IO.FileSystem.txt.

namespace System.IO
{
    public static class Directory
    {
        public static string[] GetFiles(string path)
        {
            throw null;
        }
    }

    public sealed class DriveInfo
    {
        public DriveInfo(string driveName)
        {
        }

        public long TotalSize
        {
            get { throw null; }
        }
    }

    public static class File
    {
        public static bool Exists(string path)
        {
            throw null;
        }

        public static void Delete(string path)
        {
        }

        public static void Move(string sourceFileName, string destFileName)
        {
        }

        public static byte[] ReadAllBytes(string path)
        {
            throw null;
        }
    }

    public enum FileMode
    {
        CreateNew = 1,
        Create = 2,
        Open = 3,
        OpenOrCreate = 4,
        Truncate = 5,
        Append = 6,
    }

    public enum FileAccess
    {
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }

    public class FileStream : Stream
    {
        public FileStream(string path, FileMode mode, FileAccess access)
        {
        }

        public override long Length
        {
            get { throw null; }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            throw null;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            throw null;
        }

        public override void SetLength(long value)
        {
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
        }
    }
}
