// Declaration-only facade of nanoFramework mscorlib 1.17: System.Threading.Thread, as far as the main loop waits with it.

namespace System.Threading
{
    public sealed class Thread
    {
        // The listing's constructor takes a ThreadStart, which the device code does not use; this keeps the compiler from adding a default one.
        private Thread()
        {
        }

        public static void Sleep(int millisecondsTimeout)
        {
        }
    }
}
