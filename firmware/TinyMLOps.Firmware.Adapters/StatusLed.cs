using System;
using System.Device.Gpio;
using System.Threading;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// A status LED on a GPIO output, steady or blinking a repeating pattern. A one-shot timer steps the pattern
    /// so the main loop never waits on the LED. As the device's <see cref="IStatusIndicator"/> it double-blinks while the drift
    /// alarm is on; the application drives it as an <see cref="ILed"/> through the core's StatusDisplay (blink codes, alarm, class).
    /// </summary>
    public sealed class StatusLed : IDisposable, IStatusIndicator, ILed
    {
        /// <summary>Lit, dark, lit, dark in milliseconds: a double blink each second.</summary>
        private static readonly int[] AlarmPattern = new int[] { 100, 100, 100, 700 };

        private readonly object _sync = new object();
        private readonly GpioPin _pin;
        private readonly PinValue _onLevel;
        private readonly PinValue _offLevel;
        private readonly Timer _timer;
        private int[] _pattern;
        private int _step;

        /// <param name="controller">The board's GPIO controller.</param>
        /// <param name="ledPin">The GPIO number of the LED (from the board profile).</param>
        /// <param name="activeHigh">True when driving the pin high lights the LED.</param>
        public StatusLed(GpioController controller, int ledPin, bool activeHigh)
        {
            _pin = controller.OpenPin(ledPin, PinMode.Output);
            _onLevel = activeHigh ? PinValue.High : PinValue.Low;
            _offLevel = activeHigh ? PinValue.Low : PinValue.High;
            _pin.Write(_offLevel);
            _timer = new Timer(OnTick, null, Timeout.Infinite, Timeout.Infinite);
        }

        public void On()
        {
            SetSteady(true);
        }

        public void Off()
        {
            SetSteady(false);
        }

        /// <summary>Blinks onMillis lit, offMillis dark, until told otherwise.</summary>
        public void Blink(int onMillis, int offMillis)
        {
            SetPattern(new int[] { onMillis, offMillis });
        }

        /// <summary>
        /// Repeats a pattern of durations in milliseconds: even entries lit, odd entries dark (so { 100, 100, 100, 700 }
        /// is a double blink each second). Null or empty turns the LED off.
        /// </summary>
        public void SetPattern(int[] durations)
        {
            if (durations == null || durations.Length == 0)
            {
                SetSteady(false);
                return;
            }

            // Copied so that a caller reusing its array cannot change a running pattern.
            int[] pattern = new int[durations.Length];
            for (int i = 0; i < durations.Length; i++)
            {
                pattern[i] = durations[i] > 0 ? durations[i] : 1;
            }

            lock (_sync)
            {
                _pattern = pattern;
                _step = 0;
                _pin.Write(_onLevel);
                _timer.Change(pattern[0], Timeout.Infinite);
            }
        }

        /// <summary>Double-blinks while the alarm is on, off otherwise.</summary>
        public void SetAlarm(bool on)
        {
            if (on)
            {
                SetPattern(AlarmPattern);
            }
            else
            {
                SetSteady(false);
            }
        }

        public void Dispose()
        {
            lock (_sync)
            {
                _pattern = null;
                _timer.Dispose();
                _pin.Write(_offLevel);
                _pin.Dispose();
            }
        }

        private void SetSteady(bool lit)
        {
            lock (_sync)
            {
                _pattern = null;
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
                _pin.Write(lit ? _onLevel : _offLevel);
            }
        }

        private void OnTick(object state)
        {
            lock (_sync)
            {
                // A tick already under way when the LED was set steady finds no pattern and does nothing.
                int[] pattern = _pattern;
                if (pattern == null)
                {
                    return;
                }

                _step = (_step + 1) % pattern.Length;
                _pin.Write(_step % 2 == 0 ? _onLevel : _offLevel);
                _timer.Change(pattern[_step], Timeout.Infinite);
            }
        }
    }
}
