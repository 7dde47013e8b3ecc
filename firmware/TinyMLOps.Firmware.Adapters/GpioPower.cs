using System.Device.Gpio;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// IPower from a power-detect input (for example VBUS through a divider): external power when the pin reads
    /// its active level, battery otherwise. No battery gauge: the nanoFramework API listings this project builds
    /// against have no ADC API (System.Device.Adc is not among them), so BatteryPercent is always -1.
    /// </summary>
    public sealed class GpioPower : IPower
    {
        private readonly GpioPin _pin;
        private readonly PinValue _externalLevel;

        /// <param name="controller">The board's GPIO controller.</param>
        /// <param name="powerDetectPin">The GPIO number of the power-detect input (from the board profile).</param>
        /// <param name="inputMode">Input, InputPullUp or InputPullDown, as the board's circuit needs.</param>
        /// <param name="externalWhenHigh">True when the pin reads high on external power.</param>
        public GpioPower(GpioController controller, int powerDetectPin, PinMode inputMode, bool externalWhenHigh)
        {
            _pin = controller.OpenPin(powerDetectPin, inputMode);
            _externalLevel = externalWhenHigh ? PinValue.High : PinValue.Low;
        }

        public int Source
        {
            get { return _pin.Read() == _externalLevel ? PowerSource.External : PowerSource.Battery; }
        }

        public int BatteryPercent
        {
            get { return -1; }
        }
    }
}
