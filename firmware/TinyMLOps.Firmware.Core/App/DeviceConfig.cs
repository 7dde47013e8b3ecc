using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>Who the device is and how its sync loop behaves; the board app and the virtual fleet fill it.</summary>
    public sealed class DeviceConfig
    {
        public string DeviceId = "";
        public string Fleet = "";
        public string Board = "";
        public string FirmwareVersion = "";
        public string ModelId = "";
        public uint ModelVersion;

        /// <summary>Bit i set when the device runs operator type i of the model format.</summary>
        public uint KernelMask;

        /// <summary>
        /// The kernels this boot runs, as hello reports them: KernelBackends.NameOf the backend the board chose before
        /// the runtime started ("native" on firmware built with the interop library, else "managed").
        /// </summary>
        public string KernelBackend = "managed";

        public int OutboxCapacityBytes = 64 * 1024;
        public int HeartbeatIntervalSeconds = 60;
        public int MinBatteryPercent = PowerPolicy.DefaultMinBatteryPercent;
        public int BackoffInitialMillis = 1000;
        public int BackoffMaxMillis = 300000;
        public int AckTimeoutMillis = 10000;
        public int MaxInFlight = 16;

        /// <summary>
        /// This device's artifact key, HMAC-SHA256(fleet master key, "tinymlops-device-key-v1" || device id), written
        /// at provisioning. Without one the device takes no variant assignments and runs no role selection.
        /// </summary>
        public byte[] ArtifactKey;

        /// <summary>
        /// The platform's AES block function (the nanoFramework or the .NET adapter), with which the device opens the
        /// sealed artifacts the host delivers (<see cref="TinyMLOps.Shared.Model.SealedArtifact"/>). Without one the
        /// device takes plain artifacts only and refuses sealed ones.
        /// </summary>
        public IBlockCipher ArtifactCipher;

        /// <summary>
        /// Take sealed models only: a plain artifact is refused on delivery and at boot (provisioned key
        /// <c>require_sealed</c>). Needs <see cref="ArtifactCipher"/>.
        /// </summary>
        public bool RequireSealedModels;

        /// <summary>How long external power must be seen before the plugged variant is selected again.</summary>
        public int VariantDwellSeconds = 300;

        /// <summary>Below this battery level the battery variant is selected even on external power.</summary>
        public int VariantLowBatteryPercent = 15;

        /// <summary>Length of a model-health window; a window also ends when another variant starts serving.</summary>
        public int HealthWindowSeconds = 3600;

        /// <summary>Options for the drift monitor the app makes when it loads a model with a drift profile.</summary>
        public DriftOptions Drift = new DriftOptions();

        /// <summary>
        /// The consent setting of each optional upload category (<see cref="TinyMLOps.Shared.Protocol.UploadConsent"/>,
        /// index = category). A board takes the provisioned one (<see cref="TinyMLOps.Firmware.Core.App.ConfigMapping"/>);
        /// this default, everything on, is the virtual fleet's and the tests'.
        /// </summary>
        public int[] ConsentSettings = new int[] { TinyMLOps.Shared.Protocol.UploadConsent.On, TinyMLOps.Shared.Protocol.UploadConsent.On, TinyMLOps.Shared.Protocol.UploadConsent.On };

        /// <summary>Sample capacity, save interval, feature layers and memory margin of federated learning.</summary>
        public LearningOptions Learning = new LearningOptions();

        /// <summary>
        /// Whether heartbeats carry the operational telemetry section (inferences, latency, memory and energy per
        /// variant). False withholds it; the stats are still kept on the device.
        /// </summary>
        public bool SendTelemetry = true;
    }
}
