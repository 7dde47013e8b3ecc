namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>Labelled training samples as head features: what local training reads, wherever they are kept.</summary>
    public interface ISampleSet
    {
        int Count { get; }

        int Label(int index);

        /// <summary>Writes the sample's features (the head's input, dequantized) into <paramref name="output"/>.</summary>
        void Features(int index, float[] output);
    }
}
