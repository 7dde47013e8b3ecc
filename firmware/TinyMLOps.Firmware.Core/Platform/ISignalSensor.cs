namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// A sensor that also delivers raw signals for a model with a front-end (docs/model-format.md, "Front-end"): a
    /// microphone's PCM, an accelerometer's counts, a row of measurements. The loop asks for the kind the loaded
    /// model's front-end takes; a sensor that cannot give it returns false.
    /// </summary>
    public interface ISignalSensor : ISensor
    {
        /// <summary>Fills int16 samples, channels interleaved (1 s of 16 kHz audio, a 3-axis window); false when none is ready.</summary>
        bool ReadSamples(short[] samples);

        /// <summary>Fills float measurements (a table row, one value per feature); false when none is ready.</summary>
        bool ReadValues(float[] values);
    }
}
