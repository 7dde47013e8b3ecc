using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// Decides what the status LED shows, in this order: a blink code (<see cref="BlinkCode"/>), the drift alarm
    /// (a double blink each second), the class of a two-class model (lit for class 1, dark for class 0), else steady
    /// on. The LED is only touched when that changes, so a running pattern is never restarted. Without an LED it
    /// only keeps the state (a board without a status LED in its profile).
    /// </summary>
    public sealed class StatusDisplay : IStatusIndicator
    {
        public const int ShowsCode = 1;
        public const int ShowsAlarm = 2;
        public const int ShowsClassOn = 3;
        public const int ShowsClassOff = 4;
        public const int ShowsRunning = 5;

        /// <summary>Lit, dark, lit, dark in milliseconds: a double blink each second.</summary>
        public static readonly int[] AlarmPattern = new int[] { 100, 100, 100, 700 };

        private readonly ILed _led;
        private int _code;
        private bool _alarm;
        private int _lastClass = -1;
        private int _classCount;
        private int _shown;
        private int _shownCode = -1;

        /// <param name="led">The status LED, or null when the board has none.</param>
        public StatusDisplay(ILed led)
        {
            _led = led;
        }

        /// <summary>What the LED shows now: one of the Shows* constants (0 before the first update).</summary>
        public int Shown
        {
            get { return _shown; }
        }

        /// <summary>The blink code on show, or <see cref="BlinkCode.None"/>.</summary>
        public int Code
        {
            get { return _code; }
        }

        public bool Alarm
        {
            get { return _alarm; }
        }

        /// <summary>A blink code, or <see cref="BlinkCode.None"/> to go back to the running display.</summary>
        public void ShowCode(int code)
        {
            _code = code;
            Refresh();
        }

        /// <summary>The drift alarm (the drift reporter calls this when it changes).</summary>
        public void SetAlarm(bool on)
        {
            _alarm = on;
            Refresh();
        }

        /// <summary>The latest prediction; only a two-class model's classes show on the LED.</summary>
        public void ShowClass(int predicted, int classCount)
        {
            _lastClass = predicted;
            _classCount = classCount;
            Refresh();
        }

        private void Refresh()
        {
            int show;
            if (_code != BlinkCode.None)
            {
                show = ShowsCode;
            }
            else if (_alarm)
            {
                show = ShowsAlarm;
            }
            else if (_classCount == 2 && _lastClass >= 0)
            {
                show = _lastClass == 1 ? ShowsClassOn : ShowsClassOff;
            }
            else
            {
                show = ShowsRunning;
            }

            if (show == _shown && (show != ShowsCode || _code == _shownCode))
            {
                return;
            }

            _shown = show;
            _shownCode = show == ShowsCode ? _code : -1;
            if (_led == null)
            {
                return;
            }

            if (show == ShowsCode)
            {
                _led.SetPattern(BlinkCode.Pattern(_code));
            }
            else if (show == ShowsAlarm)
            {
                _led.SetPattern(AlarmPattern);
            }
            else if (show == ShowsClassOff)
            {
                _led.Off();
            }
            else
            {
                _led.On();
            }
        }
    }
}
