using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The "samples" sensor: replays raw samples from a file on the device storage (I:\samples.bin on a board), one
    /// after another and from the start again at the end. The file is the samples back to back, each what the loaded
    /// model takes per inference: 8-bit values (pixels: the model's input, or its image front-end's frame), int16
    /// little-endian samples (a WAV clip's PCM, an accelerometer window, channels interleaved) or float32 little-endian
    /// values (a table row), as `data samples` writes them; bytes after the last whole sample are ignored.
    /// </summary>
    public sealed class SampleFileSensor : ISignalSensor
    {
        private readonly IStorage _storage;
        private readonly string _name;
        private int _next;
        private byte[] _bytes;

        public SampleFileSensor(IStorage storage, string name)
        {
            _storage = storage;
            _name = name;
            LastIndex = -1;
        }

        /// <summary>The position in the file of the sample read last, or -1 (a label file is indexed the same way).</summary>
        public int LastIndex { get; private set; }

        /// <summary>Samples read since start.</summary>
        public int Reads { get; private set; }

        public bool Read(byte[] sample)
        {
            int size = sample.Length;
            int length = _storage.Length(_name);
            if (size == 0 || length < size)
            {
                return false;
            }

            int count = length / size;
            if (_next >= count)
            {
                _next = 0;
            }

            int read = _storage.Read(_name, _next * size, sample, 0, size);
            LastIndex = read == size ? _next : -1;
            _next++;
            if (read != size)
            {
                return false;
            }

            Reads++;
            return true;
        }

        public bool ReadSamples(short[] samples)
        {
            byte[] raw = Buffer(samples.Length * 2);
            if (!Read(raw))
            {
                return false;
            }

            for (int i = 0; i < samples.Length; i++)
            {
                samples[i] = (short)(raw[2 * i] | (raw[(2 * i) + 1] << 8));
            }

            return true;
        }

        public bool ReadValues(float[] values)
        {
            byte[] raw = Buffer(values.Length * 4);
            if (!Read(raw))
            {
                return false;
            }

            for (int i = 0; i < values.Length; i++)
            {
                values[i] = System.BitConverter.ToSingle(raw, 4 * i);
            }

            return true;
        }

        // One buffer per window size, kept: the loop reads a window a second and must not feed the collector.
        private byte[] Buffer(int size)
        {
            if (_bytes == null || _bytes.Length != size)
            {
                _bytes = new byte[size];
            }

            return _bytes;
        }
    }
}
