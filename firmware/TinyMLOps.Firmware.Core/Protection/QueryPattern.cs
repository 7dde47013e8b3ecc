using System;
using System.Collections;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Protection
{
    /// <summary>
    /// Tallies the extraction signals of counted inferences per model until a receipt takes them
    /// (<see cref="Take"/>), and learns the device's normal query rate: inferences per active hour (an hour of the
    /// device clock with at least one inference), as a moving average that a new hour moves by 1/16. The tallies live
    /// in RAM (a reboot loses them, so a receipt may observe fewer inferences than it counts); the rate state is saved
    /// with the receipt chain's head, so a reboot does not reset the baseline.
    /// </summary>
    public sealed class QueryPattern
    {
        /// <summary>Bytes of <see cref="WriteState"/>.</summary>
        public const int StateBytes = 16;

        private const int Fraction = 16;

        private readonly ArrayList _tallies = new ArrayList();
        private uint _hour;
        private uint _hourCount;
        private uint _baseline16;
        private uint _activeHours;

        /// <summary>The normal rate in inferences per active hour, 0 before the first active hour ended.</summary>
        public uint BaselinePerHour
        {
            get { return _activeHours == 0 ? 0 : (_baseline16 + (Fraction / 2)) / Fraction; }
        }

        /// <summary>Active hours that made the baseline.</summary>
        public uint ActiveHours
        {
            get { return _activeHours; }
        }

        /// <summary>Inferences in the current hour of the device clock.</summary>
        public uint CurrentHourCount
        {
            get { return _hourCount; }
        }

        /// <summary>One counted inference of a model at unix time (0 while the clock is not set: no rate then) with its <see cref="QuerySignalFlags"/>.</summary>
        public void Observe(string modelId, uint nowUnix, int flags)
        {
            if (nowUnix != 0)
            {
                uint hour = nowUnix / 3600;
                if (hour != _hour)
                {
                    CloseHour();
                    _hour = hour;
                }

                _hourCount++;
            }

            if ((flags & QuerySignalFlags.Observed) == 0)
            {
                return;
            }

            uint[] t = Tally(modelId, true);
            t[0]++;
            if ((flags & QuerySignalFlags.LowConfidence) != 0)
            {
                t[1]++;
            }

            if ((flags & QuerySignalFlags.OutOfDistribution) != 0)
            {
                t[2]++;
            }

            if ((flags & QuerySignalFlags.NearDuplicate) != 0)
            {
                t[3]++;
            }
        }

        /// <summary>
        /// The signals of a receipt of <paramref name="count"/> inferences of the model: at most count observed ones, the
        /// others in proportion, taken out of the tally (the rest waits for the next receipt).
        /// </summary>
        public QuerySignals Take(string modelId, uint count)
        {
            QuerySignals s = new QuerySignals();
            s.BaselinePerHour = BaselinePerHour;
            uint[] t = Tally(modelId, false);
            if (t == null || t[0] == 0)
            {
                return s;
            }

            uint observed = t[0] < count ? t[0] : count;
            s.Observed = observed;
            s.LowConfidence = Share(t, 1, observed);
            s.OutOfDistribution = Share(t, 2, observed);
            s.NearDuplicate = Share(t, 3, observed);
            t[0] -= observed;
            return s;
        }

        /// <summary>The rate state: u32 hour, u32 count in it, u32 baseline x16, u32 active hours.</summary>
        public void WriteState(ByteWriter w)
        {
            w.WriteI32((int)_hour);
            w.WriteI32((int)_hourCount);
            w.WriteI32((int)_baseline16);
            w.WriteI32((int)_activeHours);
        }

        /// <summary>Restores <see cref="WriteState"/>.</summary>
        /// <exception cref="ModelFormatException">Truncated.</exception>
        public void ReadState(ByteReader r)
        {
            uint hour = r.ReadU32("rate hour");
            uint count = r.ReadU32("rate count");
            uint baseline = r.ReadU32("rate baseline");
            uint active = r.ReadU32("active hours");
            _hour = hour;
            _hourCount = count;
            _baseline16 = baseline;
            _activeHours = active;
        }

        private void CloseHour()
        {
            if (_hour == 0 || _hourCount == 0)
            {
                _hourCount = 0;
                return;
            }

            ulong scaled = (ulong)_hourCount * Fraction;
            uint sample = scaled > 0xFFFFFFFFUL ? 0xFFFFFFFF : (uint)scaled;
            if (_activeHours == 0)
            {
                _baseline16 = sample;
            }
            else
            {
                long moved = (long)_baseline16 + (((long)sample - _baseline16) / Fraction);
                _baseline16 = moved < 0 ? 0 : (uint)moved;
            }

            if (_activeHours < 0xFFFFFFFF)
            {
                _activeHours++;
            }

            _hourCount = 0;
        }

        /// <summary>Moves signal i's share of <paramref name="observed"/> out of the tally, rounding down.</summary>
        private static uint Share(uint[] t, int i, uint observed)
        {
            uint taken = observed == t[0] ? t[i] : (uint)((ulong)t[i] * observed / t[0]);
            t[i] -= taken;
            return taken;
        }

        private uint[] Tally(string modelId, bool add)
        {
            for (int i = 0; i < _tallies.Count; i++)
            {
                object[] entry = (object[])_tallies[i];
                if ((string)entry[0] == modelId)
                {
                    return (uint[])entry[1];
                }
            }

            if (!add)
            {
                return null;
            }

            uint[] t = new uint[4];
            _tallies.Add(new object[] { modelId, t });
            return t;
        }
    }
}
