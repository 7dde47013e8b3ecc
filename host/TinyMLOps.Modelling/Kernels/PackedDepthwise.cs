namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// A depthwise convolution's weights ([kh][kw][channels] int8) sign-extended once to int32 and padded to a multiple
/// of 16 channels, so eight channels of one tap are one 256-bit load.
/// </summary>
internal sealed class PackedDepthwise
{
    public PackedDepthwise(byte[] weights, int offset, int taps, int channels, Requantizer requantizer)
    {
        Source = weights;
        Offset = offset;
        Taps = taps;
        Channels = channels;
        Stride = (channels + 15) & ~15;
        Requantizer = requantizer;
        Weights = new int[taps * Stride];
        for (int t = 0; t < taps; t++)
        {
            for (int c = 0; c < channels; c++)
            {
                Weights[(t * Stride) + c] = (sbyte)weights[offset + (t * channels) + c];
            }
        }
    }

    public byte[] Source { get; }

    public int Offset { get; }

    public int Taps { get; }

    public int Channels { get; }

    /// <summary>int32 values per tap.</summary>
    public int Stride { get; }

    public int[] Weights { get; }

    public Requantizer Requantizer { get; }

    public bool Matches(byte[] weights, int offset, int taps, int channels, int[] bias, int[] multipliers, int[] shifts) =>
        ReferenceEquals(weights, Source) && offset == Offset && taps == Taps && channels == Channels
        && Requantizer.Matches(bias, multipliers, shifts);
}
