// Declaration-only facade of nanoFramework.Runtime.Native 1.7 (package nanoFramework.Runtime.Native):
// System.Environment, the monotonic millisecond counter. See shared/nanoframework-api/nanoFramework.Runtime.Native.txt.

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
