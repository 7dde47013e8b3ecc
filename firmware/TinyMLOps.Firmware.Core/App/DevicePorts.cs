using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The platform adapters one boot of the device runs on: a board's (firmware/TinyMLOps.Firmware.Adapters) or a
    /// virtual board's (host). Filled once, before <see cref="DeviceRuntime"/> is built, which hands each to the parts
    /// that need it; the optional ones may stay null.
    /// </summary>
    public sealed class DevicePorts
    {
        public ITransport Transport;
        public IStorage Storage;
        public IClock Clock;
        public IPower Power;
        public ILog Log;

        /// <summary>The IP link, asked whether it is metered (consent "wifi"); null: not metered.</summary>
        public INetwork Network;

        /// <summary>Free heap and flash for the hello, the telemetry and local training; null: unknown.</summary>
        public IMemoryInfo Memory;

        /// <summary>The fine clock for inference latency; null: the clock's milliseconds.</summary>
        public IInferenceTimer Timer;

        /// <summary>Shows the drift alarm (the status LED on a board); null shows nothing.</summary>
        public IStatusIndicator Indicator;

        /// <summary>The user feedback that labels samples for local training; null: the device keeps no samples.</summary>
        public IFeedback Feedback;

        /// <summary>
        /// The source of the drift histograms' noise, which protects the device's data from the host and so must be one
        /// the host cannot reproduce. On a board: <c>new System.Random()</c>, which nf-interpreter backs with the
        /// hardware generator (esp_random on ESP32, the RNG peripheral on STM32; seeds are ignored there). Null: a new
        /// unseeded <see cref="System.Random"/>. Only simulations pass a seeded one.
        /// </summary>
        public System.Random Noise;

        /// <summary>Fault injection (the virtual fleet's failing variants); null on a board.</summary>
        public IInferenceFault Faults;
    }
}
