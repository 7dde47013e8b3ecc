// Declaration-only facade of nanoFramework mscorlib 1.17: what the compiler needs to declare a delegate
// (its BeginInvoke/EndInvoke take AsyncCallback and IAsyncResult). Added for the adapters' event handlers.

namespace System
{
    public interface IAsyncResult
    {
    }

    public delegate void AsyncCallback(IAsyncResult ar);
}
