namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The sample source: a camera, an ADC, or a slice of a data set on a virtual board.</summary>
    public interface ISensor
    {
        /// <summary>Fills one quantized input sample; false when no sample is ready.</summary>
        bool Read(sbyte[] sample);
    }
}
