using System;
using System.Device.Gpio;
using System.Threading;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// The device application's composition on a board, shared by the board families' Program.Main: the startup check
    /// of I:\tinymlops.cfg (on failure: every problem on the debug output and the blink code forever, no reboot loop),
    /// then the adapters (flash storage, GPIO LED and power detect, network, M2Mqtt with TLS, clock, deep sleep) under
    /// the portable <see cref="DeviceRuntime"/> and <see cref="DeviceLoop"/>, which the virtual fleet runs too.
    /// </summary>
    public static class BoardApplication
    {
        /// <summary>Reported in the hello (the virtual fleet's boards report their own).</summary>
        public const string FirmwareVersion = "0.4.0";

        public const int NetworkTimeoutMillis = 30000;
        public const int MqttKeepAliveSeconds = 60;
        public const int MqttTimeoutMillis = 10000;
        public const int ReceiveQueueCapacity = 32;

        /// <summary>How often a device that cannot start prints its problems again, for a serial monitor opened late.</summary>
        public const int RepeatProblemsMillis = 30000;

        /// <summary>Runs the application; does not return.</summary>
        public static void Run(IBoardServices board)
        {
            string firmwareVersion = FirmwareVersion;
            DebugLog log = new DebugLog(null);
            log.Info("TinyMLOps firmware " + firmwareVersion + " (" + board.Name + "), " + KernelBackends.NameOf(KernelBackends.Default) + " kernels");
            FlashStorage storage = new FlashStorage();
            GpioController gpio = new GpioController();

            StartupResult startup = StartupCheck.Run(storage, firmwareVersion);
            StatusDisplay display = new StatusDisplay(OpenLed(gpio, startup.StatusLedPin, log));
            startup.Report(log);
            if (!startup.Ok)
            {
                Halt(startup, display, log);
            }

            ProvisionedConfig config = startup.Config;
            INetwork network = board.CreateNetwork(config, NetworkTimeoutMillis);
            if (network == null)
            {
                startup.Code = BlinkCode.InvalidConfiguration;
                startup.Problems = new string[] { "network " + config.Network + " is not available on " + board.Name + " boards" };
                startup.Report(log);
                Halt(startup, display, log);
            }

            if (ConfigFile.SensorAdcPin(config.Sensor) >= 0)
            {
                log.Warn("sensor " + config.Sensor + ": this firmware has no ADC driver (System.Device.Adc is not in its API), so the device classifies nothing");
            }

            byte[] caCert = config.BrokerTls ? storage.ReadAll(ProvisionedConfig.CaFileName) : null;
            M2MqttTransport mqtt = new M2MqttTransport(config.BrokerHost, config.BrokerPort, caCert, config.DeviceId,
                ConfigMapping.MqttUsername(config), ConfigMapping.MqttPassword(config), MqttKeepAliveSeconds, MqttTimeoutMillis,
                ReceiveQueueCapacity, log);
            IPower power = OpenPowerDetect(gpio, config.PowerDetectPin, log);
            DeviceClock clock = new DeviceClock();
            DebugLog deviceLog = new DebugLog(config.DeviceId);

            startup.DeviceConfig.ArtifactCipher = new NanoAesBlockCipher();
            DevicePorts ports = new DevicePorts();
            ports.Transport = new NetworkGatedTransport(network, mqtt);
            ports.Storage = storage;
            ports.Clock = clock;
            ports.Power = power;
            ports.Log = deviceLog;
            ports.Network = network;
            ports.Memory = new NativeMemoryInfo(FlashStorage.InternalFlashRoot, FlashStorage.InternalFlashRoot);
            ports.Timer = new TickInferenceTimer();
            ports.Indicator = display;

            // Labels come from I:\labels.bin beside the replayed samples; without it the device keeps no learning samples and declines rounds.
            SampleFileSensor samples = config.Sensor == ProvisionedConfig.SensorSamples ? new SampleFileSensor(storage, StartupCheck.SamplesFile) : null;
            if (samples != null && storage.Exists(StartupCheck.LabelsFile))
            {
                ports.Feedback = new SampleFileFeedback(storage, StartupCheck.LabelsFile, samples);
            }

            // nf-interpreter backs System.Random with the hardware generator on ESP32 and STM32, so the drift noise is
            // one the host cannot reproduce.
            ports.Noise = new Random();
            DeviceRuntime runtime = new DeviceRuntime(startup.DeviceConfig, ports, new Random(), null);
            DeviceLoop loop = new DeviceLoop(runtime, samples, display, network, power,
                new SleepPolicy(config.SleepSeconds, config.SyncWindowSeconds), board.CreateSleep(), clock, deviceLog);
            log.Info("running: boot " + runtime.Device.BootCount + ", " + runtime.Device.Outbox.PendingCount + " messages waiting to sync");

            while (true)
            {
                try
                {
                    loop.Step();
                }
                catch (Exception e)
                {
                    // One bad step (a storage or network fault) must not stop the device; the next step tries again.
                    deviceLog.Error("main loop: " + e.Message);
                }

                Thread.Sleep(loop.IdleMillis);
            }
        }

        /// <summary>Shows the blink code and prints the problems again now and then, forever: a device that cannot start waits for a fix, it does not reboot.</summary>
        private static void Halt(StartupResult startup, StatusDisplay display, DebugLog log)
        {
            display.ShowCode(startup.Code);
            while (true)
            {
                Thread.Sleep(RepeatProblemsMillis);
                startup.Report(log);
            }
        }

        private static StatusLed OpenLed(GpioController gpio, int pin, DebugLog log)
        {
            if (pin < 0)
            {
                log.Warn("no status LED pin: nothing will blink");
                return null;
            }

            try
            {
                return new StatusLed(gpio, pin, true);
            }
            catch (Exception e)
            {
                log.Warn("status LED on GPIO " + pin + " cannot be opened: " + e.Message);
                return null;
            }
        }

        private static IPower OpenPowerDetect(GpioController gpio, int pin, DebugLog log)
        {
            if (pin < 0)
            {
                return new NoPowerDetect();
            }

            try
            {
                return new GpioPower(gpio, pin, PinMode.Input, true);
            }
            catch (Exception e)
            {
                log.Warn("power-detect input on GPIO " + pin + " cannot be opened: " + e.Message + "; the power source is unknown");
                return new NoPowerDetect();
            }
        }
    }
}
