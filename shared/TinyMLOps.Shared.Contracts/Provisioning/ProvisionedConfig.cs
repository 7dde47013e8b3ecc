namespace TinyMLOps.Shared.Provisioning
{
    /// <summary>
    /// What provisioning writes to the device's internal drive (I:\tinymlops.cfg, see <see cref="ConfigFile"/> and
    /// docs/firmware.md): who the device is, where its broker is, how it reaches the network, its artifact key and the
    /// board facts (pins) the firmware needs. The fields carry the defaults a file without the optional keys gets.
    /// </summary>
    public sealed class ProvisionedConfig
    {
        public const int FormatVersion = 1;
        public const string FileName = "tinymlops.cfg";
        public const string CaFileName = "ca.pem";

        /// <summary>The sample file the "samples" sensor replays, deployed beside the configuration.</summary>
        public const string SamplesFileName = "samples.bin";

        /// <summary>The labels of the samples file, one byte per sample; optional.</summary>
        public const string LabelsFileName = "labels.bin";

        public const string NetworkWifi = "wifi";
        public const string NetworkEthernet = "ethernet";
        public const string SensorSamples = "samples";
        public const string SensorAdcPrefix = "adc:";

        /// <summary>Length of <see cref="ArtifactKey"/> in bytes.</summary>
        public const int ArtifactKeyLength = 32;

        /// <summary>1 to 32 of A-Z a-z 0-9 . _ - (the wire's device id).</summary>
        public string DeviceId = "";

        /// <summary>Same characters as the device id.</summary>
        public string Fleet = "";

        /// <summary>The board profile id (boards/*.json), for example esp32-devkitc.</summary>
        public string Board = "";

        /// <summary>Required when <see cref="Network"/> is wifi; an Ethernet board leaves it empty.</summary>
        public string WifiSsid = "";

        public string WifiPassword = "";

        /// <summary><see cref="NetworkWifi"/> or <see cref="NetworkEthernet"/>.</summary>
        public string Network = NetworkWifi;

        public string BrokerHost = "";

        /// <summary>1..65535.</summary>
        public int BrokerPort = 1883;

        /// <summary>True: TLS 1.2 to the broker, checked against the CA in I:\ca.pem, which must then be deployed.</summary>
        public bool BrokerTls;

        /// <summary>The broker user name; by convention the device id (empty: the device logs in with its device id).</summary>
        public string MqttUsername = "";

        /// <summary>The device secret (32 hex); empty for an anonymous broker.</summary>
        public string MqttPassword = "";

        /// <summary>The device's artifact key (32 bytes, derived from the fleet master key): receipts, quotas, artifacts.</summary>
        public byte[] ArtifactKey;

        /// <summary>GPIO of the status LED, from the board profile; -1: none.</summary>
        public int StatusLedPin = -1;

        /// <summary>GPIO of the power-detect input (high on external power), from the board profile; -1: none.</summary>
        public int PowerDetectPin = -1;

        /// <summary>GPIO of the battery-voltage ADC input, from the board profile; -1: none.</summary>
        public int BatteryAdcPin = -1;

        /// <summary>1..86400.</summary>
        public int HeartbeatSeconds = 60;

        /// <summary>On battery (ESP32): deep sleep this long between sync windows, 0..604800; 0: never sleep.</summary>
        public int SleepSeconds;

        /// <summary>How long the device stays awake to sync before it sleeps again, 1..86400.</summary>
        public int SyncWindowSeconds = 60;

        /// <summary>The sample source: <see cref="SensorSamples"/> (replay I:\samples.bin) or adc:&lt;pin&gt;.</summary>
        public string Sensor = SensorSamples;

        /// <summary>
        /// The consent of each category of optional uploads, "category:setting" pairs separated by commas
        /// (<see cref="TinyMLOps.Shared.Protocol.UploadConsent"/>); categories not named keep their default.
        /// </summary>
        public string Consent = TinyMLOps.Shared.Protocol.UploadConsent.DefaultText;

        /// <summary>Take sealed models only (key <c>models.sealed-only</c>; false when absent, as in configurations written before it).</summary>
        public bool RequireSealedModels;
    }
}
