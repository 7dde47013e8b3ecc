namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The sample source: a camera, an ADC, or a slice of a data set on a virtual board.</summary>
    public interface ISensor
    {
        /// <summary>
        /// Fills one raw sample of 8-bit values (pixels 0-255, ADC codes), which the classifier quantizes
        /// with the model's input parameters; false when no sample is ready.
        /// </summary>
        bool Read(byte[] sample);
    }
}
