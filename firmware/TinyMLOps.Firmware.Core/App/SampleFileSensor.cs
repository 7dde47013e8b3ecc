using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The "samples" sensor: replays raw samples from a file on the device storage (I:\samples.bin on a board), one
    /// after another and from the start again at the end. The file is the samples back to back, each as many 8-bit
    /// values as the model's input has (height x width x channels); bytes after the last whole sample are ignored.
    /// </summary>
    public sealed class SampleFileSensor : ISensor
    {
        private readonly IStorage _storage;
        private readonly string _name;
        private int _next;

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
    }
}
