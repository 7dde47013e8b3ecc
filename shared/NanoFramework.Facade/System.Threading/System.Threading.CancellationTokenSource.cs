// Declaration-only facade of nanoFramework System.Threading 1.1 (package nanoFramework.System.Threading):
// the cancellation token that bounds WifiNetworkHelper's connect. See shared/nanoframework-api/System.Threading.txt.

namespace System.Threading
{
    public struct CancellationToken
    {
    }

    public class CancellationTokenSource : IDisposable
    {
        public CancellationTokenSource(int millisecondsDelay)
        {
        }

        public CancellationToken Token
        {
            get { throw null; }
        }

        public void Dispose()
        {
        }
    }
}
