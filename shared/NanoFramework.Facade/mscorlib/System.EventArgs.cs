// Declaration-only facade of nanoFramework mscorlib 1.17: System.EventArgs, the base of the M2Mqtt and
// network event arguments the adapters handle.

namespace System
{
    public class EventArgs
    {
        public EventArgs()
        {
        }
    }
}
