using System;
using System.Device.Wifi;
using System.Net.NetworkInformation;
using System.Threading;
using nanoFramework.Networking;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.App
{
    /// <summary>
    /// The station link to one access point, through WifiNetworkHelper (join, DHCP, optionally wait for SNTP).
    /// The radio driver retries on its own (WifiReconnectionKind.Automatic); EnsureUp re-joins when the runtime has
    /// reported the network gone, from the agent's connect (NetworkGatedTransport), so the agent's backoff paces it.
    /// ESP32 only: System.Device.Wifi has no native part on the STM32 targets, so it lives in the ESP32 application.
    /// </summary>
    public sealed class WifiConnection : INetwork
    {
        // The board's one Wi-Fi adapter.
        private const int WifiAdapterIndex = 0;

        private readonly object _sync = new object();
        private readonly string _ssid;
        private readonly string _password;
        private readonly int _timeoutMillis;
        private readonly bool _waitForTime;
        private bool _joinedOnce;
        private bool _up;

        /// <param name="ssid">The access point (from the device's provisioning).</param>
        /// <param name="password">Its passphrase.</param>
        /// <param name="timeoutMillis">How long one connect or reconnect may take.</param>
        /// <param name="waitForTime">Also wait for SNTP to set the clock (DeviceClock reads 0 until then).</param>
        public WifiConnection(string ssid, string password, int timeoutMillis, bool waitForTime)
        {
            _ssid = ssid;
            _password = password;
            _timeoutMillis = timeoutMillis;
            _waitForTime = waitForTime;
            NetworkChange.NetworkAvailabilityChanged += OnNetworkAvailabilityChanged;
        }

        public bool IsUp
        {
            get
            {
                lock (_sync)
                {
                    return _up;
                }
            }
        }

        /// <summary>Never: a Wi-Fi station link is not billed by volume (consent "wifi" uploads go out on it).</summary>
        public bool IsMetered
        {
            get { return false; }
        }

        /// <summary>The last failure WifiNetworkHelper reported, or null.</summary>
        public Exception LastError
        {
            get { return WifiNetworkHelper.HelperException; }
        }

        /// <summary>Joins the access point and waits for an address; false when that did not happen within the timeout.</summary>
        public bool Connect()
        {
            bool ok;
            CancellationTokenSource timeout = new CancellationTokenSource(_timeoutMillis);
            try
            {
                bool joinedOnce;
                lock (_sync)
                {
                    joinedOnce = _joinedOnce;
                }

                // After the first join the helper knows the credentials; Reconnect reuses them.
                ok = joinedOnce
                    ? WifiNetworkHelper.Reconnect(_waitForTime, WifiAdapterIndex, timeout.Token)
                    : WifiNetworkHelper.ConnectDhcp(_ssid, _password, WifiReconnectionKind.Automatic, _waitForTime, WifiAdapterIndex, timeout.Token);
            }
            catch (Exception)
            {
                // The helper throws on a missing adapter or bad configuration; IsUp and LastError tell the caller.
                ok = false;
            }
            finally
            {
                timeout.Dispose();
            }

            lock (_sync)
            {
                _up = ok;
                _joinedOnce = _joinedOnce || ok;
            }

            return ok;
        }

        /// <summary>Reconnects when the link is down; true when it is up afterwards.</summary>
        public bool EnsureUp()
        {
            return IsUp || Connect();
        }

        public void Disconnect()
        {
            lock (_sync)
            {
                _up = false;
            }

            WifiNetworkHelper.Disconnect();
        }

        private void OnNetworkAvailabilityChanged(object sender, NetworkAvailabilityEventArgs e)
        {
            // Raised from the runtime's event thread when the interface gains or loses its address.
            lock (_sync)
            {
                _up = e.IsAvailable;
            }
        }
    }
}
