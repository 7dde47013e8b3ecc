namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// A dense or convolution operator's int8 weights reordered once for <see cref="SimdGemm"/>: sign-extended to int16,
/// in blocks of 16 output channels, and within a block by pairs of inputs, each pair 16 channels × 2 values (one
/// 256-bit vpmaddwd per eight channels). Inputs are counted in the operator's own order (OHWI: ky, kx, input channel),
/// an odd count padded with a zero weight, missing channels of the last block with zero rows.
/// </summary>
internal sealed class PackedGemm
{
    public const int Block = 16;

    public PackedGemm(byte[] weights, int offset, int outputs, int inputs, Requantizer requantizer)
    {
        Source = weights;
        Offset = offset;
        Outputs = outputs;
        Inputs = inputs;
        Pairs = (inputs + 1) / 2;
        Blocks = (outputs + Block - 1) / Block;
        Requantizer = requantizer;
        Weights = new short[Blocks * Pairs * Block * 2];
        for (int o = 0; o < outputs; o++)
        {
            int b = o / Block, lane = o % Block;
            for (int k = 0; k < inputs; k++)
            {
                int p = k / 2;
                Weights[((((b * Pairs) + p) * Block) + lane) * 2 + (k & 1)] = (sbyte)weights[offset + (o * inputs) + k];
            }
        }
    }

    public byte[] Source { get; }

    public int Offset { get; }

    public int Outputs { get; }

    public int Inputs { get; }

    /// <summary>Input pairs: a row of the input matrix holds 2 × Pairs int16 values.</summary>
    public int Pairs { get; }

    public int Blocks { get; }

    public short[] Weights { get; }

    public Requantizer Requantizer { get; }

    public bool Matches(byte[] weights, int offset, int outputs, int inputs, int[] bias, int[] multipliers, int[] shifts) =>
        ReferenceEquals(weights, Source) && offset == Offset && outputs == Outputs && inputs == Inputs
        && Requantizer.Matches(bias, multipliers, shifts);
}
