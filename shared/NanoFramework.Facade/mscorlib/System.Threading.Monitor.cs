// Declaration-only facade of nanoFramework mscorlib 1.17: Monitor, which the lock statement binds to.

namespace System.Threading
{
    public static class Monitor
    {
        public static void Enter(object obj)
        {
        }

        public static void Exit(object obj)
        {
        }
    }
}
