using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// The signal processing in front of a model: it turns the device's raw samples (audio, sensor windows, table rows,
    /// pixels) into the model's int8 input, so a variant carries its own preprocessing in its file and the device needs
    /// no other configuration. One kind per file; each kind's raw input and its processing method are its own (audio
    /// streams frames, a sensor window is a block of interleaved channels), but every kind states the tensor it
    /// produces, which must be the model's input, and writes and reads its parameters (docs/model-format.md, "Front-end").
    /// Device code: fixed point where it must be byte-identical across runtimes, allocation-free after construction.
    /// </summary>
    public abstract class FrontEnd
    {
        /// <summary>Per-feature affine scaling of table rows or sensor channels (<see cref="Normalize"/>).</summary>
        public const int KindNormalize = 1;

        /// <summary>Audio to MFCC.</summary>
        public const int KindMfcc = 2;

        /// <summary>Sensor windows to spectral features.</summary>
        public const int KindSpectral = 3;

        /// <summary>Image resize, crop, grayscale and normalisation.</summary>
        public const int KindImage = 4;

        /// <summary>One of the Kind constants; written first in the section.</summary>
        public abstract int Kind { get; }

        /// <summary>A short name for inspection and errors ("normalize", "mfcc").</summary>
        public abstract string Name { get; }

        /// <summary>The produced tensor, which is the model's input: height, width, channels.</summary>
        public abstract int OutH { get; }

        public abstract int OutW { get; }

        public abstract int OutC { get; }

        /// <summary>Raw int16 samples per inference, all channels interleaved (audio PCM, accelerometer counts); 0 when it takes float values.</summary>
        public virtual int RawSamples
        {
            get { return 0; }
        }

        /// <summary>Raw float values per inference (a table row, a sensor frame); 0 when it takes int16 samples.</summary>
        public virtual int RawValues
        {
            get { return 0; }
        }

        /// <summary>Raw 8-bit pixels per inference (a camera frame, H x W x C interleaved); 0 when it takes other input.</summary>
        public virtual int RawPixels
        {
            get { return 0; }
        }

        /// <summary>Turns <see cref="RawPixels"/> 8-bit pixels into the model's int8 input, quantized with its scale and zero point.</summary>
        public virtual void ProcessPixels(byte[] raw, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            throw new System.InvalidOperationException("the " + Name + " front-end does not take pixels");
        }

        /// <summary>Turns <see cref="RawSamples"/> int16 samples into the model's int8 input, quantized with its scale and zero point.</summary>
        public virtual void ProcessSamples(short[] raw, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            throw new System.InvalidOperationException("the " + Name + " front-end takes float values, not int16 samples");
        }

        /// <summary>Turns <see cref="RawValues"/> float values into the model's int8 input, quantized with its scale and zero point.</summary>
        public virtual void ProcessValues(float[] raw, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            throw new System.InvalidOperationException("the " + Name + " front-end takes int16 samples, not float values");
        }

        /// <summary>Writes the parameters after the kind byte.</summary>
        public abstract void WriteParams(ByteWriter w);

        /// <summary>A one-line description for <c>model inspect</c>.</summary>
        public abstract string Describe();

        /// <summary>Refuses a front-end whose output is not the model's input.</summary>
        public void CheckFits(int inputH, int inputW, int inputC)
        {
            if (OutH != inputH || OutW != inputW || OutC != inputC)
            {
                throw new ModelFormatException("the " + Name + " front-end produces " + OutH + "x" + OutW + "x" + OutC + ", the model takes " + inputH + "x" + inputW + "x" + inputC);
            }
        }

        /// <summary>The section's bytes: kind, then the parameters.</summary>
        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(64);
            w.WriteU8(Kind);
            WriteParams(w);
            return w.ToArray();
        }
    }
}
