// Declaration-only facade of nanoFramework System.Net 1.11 (package nanoFramework.System.Net): the network
// availability event WifiConnection tracks the link with. See shared/nanoframework-api/System.Net.txt.

namespace System.Net.NetworkInformation
{
    public delegate void NetworkAvailabilityChangedEventHandler(object sender, NetworkAvailabilityEventArgs e);

    public class NetworkAvailabilityEventArgs : EventArgs
    {
        // Raised by the runtime; the listing has no public constructor.
        internal NetworkAvailabilityEventArgs()
        {
        }

        public bool IsAvailable
        {
            get { throw null; }
        }
    }

    public class NetworkChange
    {
        // Only static members; the listing has no constructor.
        private NetworkChange()
        {
        }

        public static event NetworkAvailabilityChangedEventHandler NetworkAvailabilityChanged
        {
            add { }
            remove { }
        }
    }
}
