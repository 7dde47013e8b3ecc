// Declaration-only facade of nanoFramework System.IO.Streams 1.1 (package nanoFramework.System.IO.Streams):
// the Stream base of FileStream. See shared/nanoframework-api/System.IO.Streams.txt.

namespace System.IO
{
    public enum SeekOrigin
    {
        Begin = 0,
        Current = 1,
        End = 2,
    }

    public abstract class Stream : MarshalByRefObject, IDisposable
    {
        public abstract long Length { get; }

        public void Dispose()
        {
        }

        protected virtual void Dispose(bool disposing)
        {
        }

        public abstract void Flush();

        public abstract int Read(byte[] buffer, int offset, int count);

        public abstract long Seek(long offset, SeekOrigin origin);

        public abstract void SetLength(long value);

        public abstract void Write(byte[] buffer, int offset, int count);
    }
}
