using System;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// Reconnect delays that grow exponentially and are jittered so a fleet that lost its broker at the same
    /// moment does not come back at the same moment. Full jitter: uniform in [0, min(max, initial * 2^n)].
    /// Decorrelated jitter: uniform in [initial, min(max, 3 * previous)].
    /// </summary>
    public sealed class Backoff
    {
        public const int FullJitter = 0;
        public const int DecorrelatedJitter = 1;

        private readonly int _initial;
        private readonly int _max;
        private readonly Random _random;
        private readonly int _mode;
        private long _previous;

        public Backoff(int initialMillis, int maxMillis, Random random, int mode)
        {
            if (initialMillis < 1 || maxMillis < initialMillis || random == null)
            {
                throw new ArgumentException("backoff needs 1 <= initial <= max and a random source");
            }

            _initial = initialMillis;
            _max = maxMillis;
            _random = random;
            _mode = mode;
            _previous = initialMillis;
        }

        /// <summary>Delays handed out since the last <see cref="Reset"/>.</summary>
        public int Attempts { get; private set; }

        /// <summary>The upper bound of the next delay.</summary>
        public int CeilingMillis
        {
            get
            {
                if (_mode == DecorrelatedJitter)
                {
                    return Attempts == 0 ? _initial : Cap(_previous * 3);
                }

                long ceiling = _initial;
                for (int i = 0; i < Attempts && ceiling < _max; i++)
                {
                    ceiling *= 2;
                }

                return Cap(ceiling);
            }
        }

        public int NextDelayMillis()
        {
            int ceiling = CeilingMillis;
            int delay;
            if (_mode == DecorrelatedJitter)
            {
                delay = Attempts == 0 ? _initial : _initial + _random.Next(ceiling - _initial + 1);
            }
            else
            {
                delay = _random.Next(ceiling + 1);
            }

            _previous = delay;
            Attempts++;
            return delay;
        }

        /// <summary>Called after a successful connect: the next failure starts from the initial delay.</summary>
        public void Reset()
        {
            Attempts = 0;
            _previous = _initial;
        }

        private int Cap(long value)
        {
            return value > _max ? _max : (int)value;
        }
    }
}
