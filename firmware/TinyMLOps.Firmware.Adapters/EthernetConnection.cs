using System;
using System.Net.NetworkInformation;
using System.Threading;
using nanoFramework.Networking;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// The wired link (STM32 Discovery boards, ESP32 boards with an Ethernet PHY) through NetworkHelper: waits for the
    /// DHCP address and optionally the SNTP time. The interface comes back by itself when the cable returns;
    /// EnsureUp waits for it again from the agent's (backed-off) connect.
    /// </summary>
    public sealed class EthernetConnection : INetwork
    {
        private readonly object _sync = new object();
        private readonly int _timeoutMillis;
        private readonly bool _waitForTime;
        private bool _setUpOnce;
        private bool _up;

        /// <param name="timeoutMillis">How long one wait for the address may take.</param>
        /// <param name="waitForTime">Also wait for SNTP to set the clock (DeviceClock reads 0 until then).</param>
        public EthernetConnection(int timeoutMillis, bool waitForTime)
        {
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

        /// <summary>Never: a wired link is not billed by volume (consent "wifi" uploads go out on it).</summary>
        public bool IsMetered
        {
            get { return false; }
        }

        /// <summary>The last failure NetworkHelper reported, or null.</summary>
        public Exception LastError
        {
            get { return NetworkHelper.HelperException; }
        }

        public bool EnsureUp()
        {
            if (IsUp)
            {
                return true;
            }

            bool ok;
            CancellationTokenSource timeout = new CancellationTokenSource(_timeoutMillis);
            try
            {
                bool again;
                lock (_sync)
                {
                    again = _setUpOnce;
                    _setUpOnce = true;
                }

                // The helper runs once per setup; a second wait needs it reset first.
                if (again)
                {
                    NetworkHelper.Reset();
                }

                ok = NetworkHelper.SetupAndConnectNetwork(timeout.Token, _waitForTime);
            }
            catch (Exception)
            {
                // No interface, or a bad configuration; LastError tells.
                ok = false;
            }
            finally
            {
                timeout.Dispose();
            }

            lock (_sync)
            {
                _up = ok;
            }

            return ok;
        }

        private void OnNetworkAvailabilityChanged(object sender, NetworkAvailabilityEventArgs e)
        {
            lock (_sync)
            {
                _up = e.IsAvailable;
            }
        }
    }
}
