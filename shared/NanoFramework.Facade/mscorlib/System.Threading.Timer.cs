// Declaration-only facade of nanoFramework mscorlib 1.17: Timer, TimerCallback and Timeout.Infinite
// (the status LED steps its blink pattern from a timer).

namespace System.Threading
{
    public delegate void TimerCallback(object state);

    public sealed class Timer : MarshalByRefObject, IDisposable
    {
        public Timer(TimerCallback callback, object state, int dueTime, int period)
        {
        }

        public bool Change(int dueTime, int period)
        {
            throw null;
        }

        public void Dispose()
        {
        }
    }

    public static class Timeout
    {
        public const int Infinite = -1;
    }
}
