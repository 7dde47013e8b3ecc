// Declaration-only facade of nanoFramework System.Device.Gpio 1.1 (package nanoFramework.System.Device.Gpio):
// the controller, pins and values the power-detect input and the status LED use.
// See shared/nanoframework-api/System.Device.Gpio.txt.

namespace System.Device.Gpio
{
    public class GpioController : IDisposable
    {
        public GpioController()
        {
        }

        public GpioPin OpenPin(int pinNumber, PinMode mode)
        {
            throw null;
        }

        public void Dispose()
        {
        }
    }

    public class GpioPin : IDisposable
    {
        // Pins come from GpioController.OpenPin; the listing has no public constructor.
        internal GpioPin()
        {
        }

        public PinValue Read()
        {
            throw null;
        }

        public void Write(PinValue value)
        {
        }

        public void Dispose()
        {
        }
    }

    public enum PinMode
    {
        Input,
        Output,
        InputPullDown,
        InputPullUp,
        OutputOpenDrain,
        OutputOpenDrainPullUp,
        OutputOpenSource,
        OutputOpenSourcePullDown,
    }

    public struct PinValue
    {
        public static PinValue High
        {
            get { throw null; }
        }

        public static PinValue Low
        {
            get { throw null; }
        }

        public static bool operator ==(PinValue a, PinValue b)
        {
            throw null;
        }

        public static bool operator !=(PinValue a, PinValue b)
        {
            throw null;
        }

        public override bool Equals(object obj)
        {
            throw null;
        }

        public override int GetHashCode()
        {
            throw null;
        }
    }
}
