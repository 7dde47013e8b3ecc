using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Metering
{
    /// <summary>
    /// What the device saw of the queries a receipt counts (receipt version 2, docs/metering.md): cheap signals of model
    /// extraction, measured in the metering path. <see cref="Observed"/> may be below the receipt's count: inferences
    /// counted before a reboot were tallied in RAM only.
    /// </summary>
    public sealed class QuerySignals
    {
        /// <summary>Bytes on the wire: five u32.</summary>
        public const int EncodedBytes = 20;

        /// <summary>Inferences of the range the signals below cover.</summary>
        public uint Observed;

        /// <summary>Inferences whose top-1 confidence was below the device's threshold.</summary>
        public uint LowConfidence;

        /// <summary>Inferences whose input was unlikely under the model's reference input histograms.</summary>
        public uint OutOfDistribution;

        /// <summary>Inferences whose input nearly repeated one of the device's recent inputs.</summary>
        public uint NearDuplicate;

        /// <summary>The device's normal rate before this range, in inferences per active hour; 0 while it has none yet.</summary>
        public uint BaselinePerHour;

        public void Write(ByteWriter w)
        {
            w.WriteI32((int)Observed);
            w.WriteI32((int)LowConfidence);
            w.WriteI32((int)OutOfDistribution);
            w.WriteI32((int)NearDuplicate);
            w.WriteI32((int)BaselinePerHour);
        }

        /// <summary>Reads and checks the signals of a receipt of <paramref name="count"/> inferences.</summary>
        public static QuerySignals Read(ByteReader r, string kind, uint count)
        {
            QuerySignals s = new QuerySignals();
            s.Observed = r.ReadU32("observed");
            s.LowConfidence = r.ReadU32("low confidence");
            s.OutOfDistribution = r.ReadU32("out of distribution");
            s.NearDuplicate = r.ReadU32("near duplicate");
            s.BaselinePerHour = r.ReadU32("baseline per hour");
            if (s.Observed > count)
            {
                throw PayloadCodec.Invalid(kind, "signals observed " + s.Observed + " above count " + count);
            }

            if (s.LowConfidence > s.Observed || s.OutOfDistribution > s.Observed || s.NearDuplicate > s.Observed)
            {
                throw PayloadCodec.Invalid(kind, "a signal count is above the observed inferences " + s.Observed);
            }

            return s;
        }
    }
}
