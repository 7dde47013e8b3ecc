// Declaration-only facade of nanoFramework mscorlib 1.17: the base of WaitHandle, Timer and Stream.

namespace System
{
    public abstract class MarshalByRefObject
    {
    }
}
