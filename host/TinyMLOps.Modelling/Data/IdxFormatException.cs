namespace TinyMLOps.Modelling.Data;

/// <summary>A file that is not a valid IDX file (bad magic, bad sizes, truncated or corrupt compression).</summary>
public sealed class IdxFormatException : IOException
{
    public IdxFormatException(string message)
        : base(message)
    {
    }

    public IdxFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
