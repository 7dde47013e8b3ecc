using System;
using TinyMLOps.Firmware.Core.Learning;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>Labelled feature vectors held in arrays: the trainer's sample set in tests.</summary>
    public sealed class ArraySamples : ISampleSet
    {
        private readonly float[][] _features;
        private readonly int[] _labels;

        public ArraySamples(float[][] features, int[] labels)
        {
            _features = features;
            _labels = labels;
        }

        public int Count
        {
            get { return _labels.Length; }
        }

        public int Label(int index)
        {
            return _labels[index];
        }

        public float[] FeaturesOf(int index)
        {
            return _features[index];
        }

        public void Features(int index, float[] output)
        {
            Array.Copy(_features[index], output, output.Length);
        }
    }
}
