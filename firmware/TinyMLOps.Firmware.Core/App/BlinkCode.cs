namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// What the status LED says when something is wrong (docs/firmware.md): a code of N short blinks, then a pause,
    /// repeated. <see cref="None"/> is normal operation.
    /// </summary>
    public static class BlinkCode
    {
        public const int None = 0;

        /// <summary>No tinymlops.cfg on the device's storage. Startup stops here.</summary>
        public const int NoConfiguration = 2;

        /// <summary>tinymlops.cfg is there but unusable (or mqtt.tls without ca.pem). Startup stops here.</summary>
        public const int InvalidConfiguration = 3;

        /// <summary>The network link (Wi-Fi, or Ethernet) is down; the device retries with backoff.</summary>
        public const int NetworkFailed = 4;

        /// <summary>The network is up but the MQTT broker does not accept the device; the device retries with backoff.</summary>
        public const int BrokerUnreachable = 5;

        /// <summary>Running and syncing, but no model yet: the host has not assigned (or the device not installed) a variant.</summary>
        public const int NoModel = 6;

        public const int BlinkOnMillis = 200;
        public const int BlinkOffMillis = 300;
        public const int PauseMillis = 1500;

        /// <summary>The LED pattern of a code (for ILed.SetPattern); null for <see cref="None"/>.</summary>
        public static int[] Pattern(int code)
        {
            if (code <= 0)
            {
                return null;
            }

            int[] pattern = new int[2 * code];
            for (int i = 0; i < code; i++)
            {
                pattern[2 * i] = BlinkOnMillis;
                pattern[(2 * i) + 1] = i == code - 1 ? PauseMillis : BlinkOffMillis;
            }

            return pattern;
        }

        public static string Name(int code)
        {
            switch (code)
            {
                case None: return "running";
                case NoConfiguration: return "no configuration";
                case InvalidConfiguration: return "invalid configuration";
                case NetworkFailed: return "network failed";
                case BrokerUnreachable: return "broker unreachable";
                case NoModel: return "no model";
                default: return "code " + code;
            }
        }

        /// <summary>
        /// The code for a running device: a failed connect attempt says whether the network or the broker is at fault
        /// (not while the power policy keeps the radio off on purpose), then a missing model; otherwise none.
        /// </summary>
        public static int ForRunning(bool maySync, bool connected, int connectAttempts, bool networkUp, bool hasModel)
        {
            if (maySync && !connected && connectAttempts > 0)
            {
                return networkUp ? BrokerUnreachable : NetworkFailed;
            }

            return hasModel ? None : NoModel;
        }
    }
}
