// Declaration-only facade of nanoFramework.Runtime.Native 1.7 (package nanoFramework.Runtime.Native):
// System.Environment, the monotonic millisecond counter; GC.Run, which returns the free heap. See shared/nanoframework-api/nanoFramework.Runtime.Native.txt.

namespace System
{
    public static class Environment
    {
        public static long TickCount64
        {
            get { throw null; }
        }
    }
}

namespace nanoFramework.Runtime.Native
{
    public static class GC
    {
        public static uint Run(bool compactHeap)
        {
            throw null;
        }
    }
}
