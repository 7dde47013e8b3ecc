// Declaration-only facade of nanoFramework System.Net 1.11 (package nanoFramework.System.Net): NetworkHelper, which
// waits for the (Ethernet) interface's address and optionally the SNTP time. See shared/nanoframework-api/System.Net.txt.

namespace nanoFramework.Networking
{
    using System;
    using System.Threading;

    public static class NetworkHelper
    {
        public static Exception HelperException
        {
            get { throw null; }
        }

        public static bool SetupAndConnectNetwork(CancellationToken token, bool requiresDateTime)
        {
            throw null;
        }

        public static void Reset()
        {
        }
    }
}
