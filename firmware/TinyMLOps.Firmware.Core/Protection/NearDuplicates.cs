using System;

namespace TinyMLOps.Firmware.Core.Protection
{
    /// <summary>
    /// Finds queries that nearly repeat a recent one: an input is summarised by the mean of each of a few equal slices,
    /// quantized to a few levels, and compared with the fingerprints of the last inputs; near-identical when every slice
    /// is within one level. Boundary probing (a seed input nudged a little at a time) repeats fingerprints; a stream of
    /// real inputs rarely does. Fixed memory, nothing allocated per input.
    /// </summary>
    public sealed class NearDuplicates
    {
        private readonly int _slices;
        private readonly int _levels;
        private readonly int _ring;
        private readonly byte[] _fingerprints;
        private readonly byte[] _current;
        private int _next;
        private int _filled;

        public NearDuplicates(int ring, int slices, int levels)
        {
            if (ring < 1 || slices < 1 || levels < 2 || levels > 256)
            {
                throw new ArgumentException("near duplicates: ring and slices at least 1, levels 2..256");
            }

            _ring = ring;
            _slices = slices;
            _levels = levels;
            _fingerprints = new byte[ring * slices];
            _current = new byte[slices];
        }

        /// <summary>Whether the input (length values at offset) nearly repeats one of the recent inputs; then remembers it.</summary>
        public bool Observe(byte[] input, int offset, int length)
        {
            if (input == null || offset < 0 || length < _slices || offset > input.Length - length)
            {
                throw new ArgumentException("near duplicates: input of " + length + " values at " + offset + " (at least " + _slices + ")");
            }

            for (int s = 0; s < _slices; s++)
            {
                int from = offset + (int)((long)s * length / _slices);
                int to = offset + (int)((long)(s + 1) * length / _slices);
                int sum = 0;
                for (int i = from; i < to; i++)
                {
                    sum += input[i];
                }

                int level = sum * _levels / ((to - from) * 256);
                _current[s] = (byte)(level < _levels ? level : _levels - 1);
            }

            bool duplicate = false;
            for (int k = 0; k < _filled && !duplicate; k++)
            {
                int at = k * _slices;
                bool near = true;
                for (int s = 0; s < _slices; s++)
                {
                    int d = _fingerprints[at + s] - _current[s];
                    if (d > 1 || d < -1)
                    {
                        near = false;
                        break;
                    }
                }

                duplicate = near;
            }

            Array.Copy(_current, 0, _fingerprints, _next * _slices, _slices);
            _next = (_next + 1) % _ring;
            if (_filled < _ring)
            {
                _filled++;
            }

            return duplicate;
        }

        /// <summary>Forgets the recent inputs (a new model takes inputs of another shape).</summary>
        public void Clear()
        {
            _next = 0;
            _filled = 0;
        }
    }
}
