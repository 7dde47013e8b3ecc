namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>A view of a <see cref="SampleStore"/> from one index on: the newest samples a round is capped to.</summary>
    public sealed class RecentSamples : ISampleSet
    {
        private readonly SampleStore _store;
        private readonly int _first;

        public RecentSamples(SampleStore store, int first)
        {
            _store = store;
            _first = first;
        }

        public int Count
        {
            get { return _store.Count - _first; }
        }

        public int Label(int index)
        {
            return _store.Label(_first + index);
        }

        public void Features(int index, float[] output)
        {
            _store.Features(_first + index, output);
        }
    }
}
