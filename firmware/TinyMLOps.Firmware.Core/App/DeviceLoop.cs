using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The board's main loop, one short step at a time: an inference when one is due (sensor sample through
    /// <see cref="DeviceRuntime.Infer"/>), a pass of the sync loop, the status LED, and deep sleep when the
    /// <see cref="SleepPolicy"/> says so. Program.Main calls <see cref="Step"/> and waits <see cref="IdleMillis"/> between steps.
    /// </summary>
    public sealed class DeviceLoop
    {
        public const int DefaultInferenceIntervalMillis = 1000;
        public const int DefaultIdleMillis = 100;

        private readonly DeviceRuntime _runtime;
        private readonly ISensor _sensor;
        private readonly StatusDisplay _display;
        private readonly INetwork _network;
        private readonly IPower _power;
        private readonly SleepPolicy _sleepPolicy;
        private readonly ISleep _sleep;
        private readonly IClock _clock;
        private readonly ILog _log;
        private byte[] _sample = new byte[0];
        private short[] _samples = new short[0];
        private float[] _values = new float[0];
        private int _sampleLoads = -1;
        private long _nextInferenceAt;
        private bool _cannotSleep;
        private long _awakeSince;

        /// <param name="sensor">The sample source, or null (the device syncs but classifies nothing).</param>
        /// <param name="network">The IP link, or null when the transport needs none (its state then counts as up).</param>
        /// <param name="sleep">Deep sleep, or null on a board that cannot sleep.</param>
        public DeviceLoop(DeviceRuntime runtime, ISensor sensor, StatusDisplay display, INetwork network, IPower power, SleepPolicy sleepPolicy, ISleep sleep, IClock clock, ILog log)
        {
            _runtime = runtime;
            _sensor = sensor;
            _display = display;
            _network = network;
            _power = power;
            _sleepPolicy = sleepPolicy;
            _sleep = sleep;
            _clock = clock;
            _log = log;
            InferenceIntervalMillis = DefaultInferenceIntervalMillis;
            IdleMillis = DefaultIdleMillis;
            _awakeSince = clock.UptimeMillis;
        }

        public int InferenceIntervalMillis { get; set; }

        public int IdleMillis { get; set; }

        /// <summary>Inferences tried (samples read) since start.</summary>
        public int Samples { get; private set; }

        /// <summary>True after a deep sleep was asked for and the board stayed awake (it cannot sleep).</summary>
        public bool CannotSleep
        {
            get { return _cannotSleep; }
        }

        public void Step()
        {
            long now = _clock.UptimeMillis;
            if (_sensor != null && _runtime.HasModel && now >= _nextInferenceAt)
            {
                _nextInferenceAt = now + InferenceIntervalMillis;
                InferOnce();
            }

            _runtime.Poll();

            DeviceComposition device = _runtime.Device;
            DeviceAgent agent = device.Agent;
            bool maySync = device.Policy.MaySync(_power);
            bool networkUp = _network == null || _network.IsUp;
            _display.ShowCode(BlinkCode.ForRunning(maySync, agent.IsConnected, agent.ConnectAttempts, networkUp, _runtime.HasModel));

            bool settled = !maySync || (agent.IsConnected && device.Outbox.PendingCount == 0 && !(device.Downloads.Active && !device.Downloads.IsComplete));
            if (_sleep != null && !_cannotSleep && _sleepPolicy.ShouldSleep(_power.Source, now - _awakeSince, settled))
            {
                GoToSleep();
            }
        }

        private void InferOnce()
        {
            if (_sampleLoads != _runtime.Loads)
            {
                _sample = new byte[_runtime.PixelLength];
                _samples = new short[_runtime.FrontEndSamples];
                _values = new float[_runtime.FrontEndValues];
                _sampleLoads = _runtime.Loads;
            }

            // A model with a front-end takes raw signals, which only a signal sensor gives.
            ISignalSensor signals = _sensor as ISignalSensor;
            InferenceOutcome outcome;
            if (_samples.Length > 0 || _values.Length > 0)
            {
                bool ready = signals != null && (_samples.Length > 0 ? signals.ReadSamples(_samples) : signals.ReadValues(_values));
                if (!ready)
                {
                    return;
                }

                Samples++;
                outcome = _samples.Length > 0 ? _runtime.InferSamples(_samples) : _runtime.InferValues(_values);
            }
            else
            {
                if (!_sensor.Read(_sample))
                {
                    return;
                }

                Samples++;
                outcome = _runtime.Infer(_sample);
            }

            if (outcome == InferenceOutcome.Ran || outcome == InferenceOutcome.Free)
            {
                _display.ShowClass(_runtime.LastClass, _runtime.ClassCount);
            }
        }

        private void GoToSleep()
        {
            int seconds = _sleepPolicy.SleepSeconds;
            _log.Info("on battery after the sync window: deep sleep for " + seconds + " s");
            _runtime.PrepareForSleep();
            if (!_sleep.DeepSleep(seconds))
            {
                _cannotSleep = true;
                _log.Warn("this board cannot deep sleep; it stays awake");
                return;
            }

            // Only a simulated sleep returns: the wake-up starts a new sync window, as a boot does on a board.
            _awakeSince = _clock.UptimeMillis;
        }
    }
}
