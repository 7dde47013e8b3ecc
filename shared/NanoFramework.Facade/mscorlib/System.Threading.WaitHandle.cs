// Declaration-only facade of nanoFramework mscorlib 1.17: WaitHandle and AutoResetEvent (the MQTT adapter
// waits on one for the broker's PUBACK, with a timeout).

namespace System.Threading
{
    public class WaitHandle : MarshalByRefObject
    {
        public WaitHandle()
        {
        }

        public virtual bool WaitOne(int millisecondsTimeout, bool exitContext)
        {
            throw null;
        }
    }

    public sealed class AutoResetEvent : WaitHandle
    {
        public AutoResetEvent(bool initialState)
        {
        }

        public bool Set()
        {
            throw null;
        }

        public bool Reset()
        {
            throw null;
        }
    }
}
