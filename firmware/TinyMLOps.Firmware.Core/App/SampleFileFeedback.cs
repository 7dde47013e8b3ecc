using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// Labels for the "samples" sensor from a file beside it (I:\labels.bin on a board): byte i is the class of sample i
    /// of the samples file, 255 for a sample without a label. It gives on-device learning a label source on a board
    /// that replays a labelled field set; each sample's label is given once per read.
    /// </summary>
    public sealed class SampleFileFeedback : IFeedback
    {
        /// <summary>The byte that marks a sample without a label.</summary>
        public const int Unlabelled = 255;

        private readonly IStorage _storage;
        private readonly string _name;
        private readonly SampleFileSensor _sensor;
        private readonly byte[] _one = new byte[1];
        private int _takenAtRead = -1;

        public SampleFileFeedback(IStorage storage, string name, SampleFileSensor sensor)
        {
            if (storage == null || sensor == null)
            {
                throw new System.ArgumentNullException(storage == null ? "storage" : "sensor");
            }

            _storage = storage;
            _name = name;
            _sensor = sensor;
        }

        /// <summary>Labels given since start.</summary>
        public int Given { get; private set; }

        public bool TryTakeLabel(out int label)
        {
            label = -1;
            int index = _sensor.LastIndex;
            if (index < 0 || _sensor.Reads == _takenAtRead || index >= _storage.Length(_name))
            {
                return false;
            }

            _takenAtRead = _sensor.Reads;
            if (_storage.Read(_name, index, _one, 0, 1) != 1 || _one[0] == Unlabelled)
            {
                return false;
            }

            label = _one[0];
            Given++;
            return true;
        }
    }
}
