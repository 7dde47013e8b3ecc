// Declaration-only facade of nanoFramework System.Device.Wifi 1.5 (package nanoFramework.System.Device.Wifi):
// WifiNetworkHelper, which joins an access point and waits for an IP address (and optionally the SNTP time).
// See shared/nanoframework-api/System.Device.Wifi.txt.

namespace System.Device.Wifi
{
    public enum WifiReconnectionKind
    {
        Automatic = 0,
        Manual = 1,
    }
}

namespace nanoFramework.Networking
{
    using System;
    using System.Device.Wifi;
    using System.Threading;

    public static class WifiNetworkHelper
    {
        public static Exception HelperException
        {
            get { throw null; }
        }

        public static bool ConnectDhcp(string ssid, string password, WifiReconnectionKind reconnectionKind, bool requiresDateTime, int wifiAdapterId, CancellationToken token)
        {
            throw null;
        }

        public static bool Reconnect(bool requiresDateTime, int wifiAdapterId, CancellationToken token)
        {
            throw null;
        }

        public static void Disconnect()
        {
        }
    }
}
