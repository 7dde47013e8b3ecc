namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>What <see cref="MemoryStorage"/> throws where a real board would lose power.</summary>
public sealed class PowerLossException : Exception
{
    public PowerLossException(string message)
        : base(message)
    {
    }

    public PowerLossException()
    {
    }

    public PowerLossException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
