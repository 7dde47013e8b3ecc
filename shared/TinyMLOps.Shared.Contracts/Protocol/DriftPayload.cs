using System;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// One finished drift window of a model variant (kind <see cref="MessageKind.Drift"/>): the histograms the device
    /// kept (input groups, predicted class, top-1 confidence; Laplace-noised when <see cref="Epsilon"/> is above 0)
    /// and the scores it computed on the raw window against the variant's reference. Only summaries leave the device.
    /// Droppable: a lost window only thins the host's evidence.
    /// </summary>
    public sealed class DriftPayload
    {
        /// <summary>Bit 0 of the flags: the local alarm was raised in this window.</summary>
        public const int FlagAlarm = 1;

        /// <summary>A score field's value when it was not computed.</summary>
        public const int NotComputed = DriftMath.NotComputed;

        /// <summary>Largest F * B, so a window fits the 4096-byte payload.</summary>
        public const int MaxInputCells = 1024;

        /// <summary>A count on the wire saturates here.</summary>
        public const int MaxCount = 0xFFFF;

        /// <summary>Bytes besides the variant id's and the counts'.</summary>
        public const int FixedBytes = 35;

        private const string Kind = "drift";

        public string VariantId = "";

        /// <summary>Device uptime at the start of the window, and its length.</summary>
        public uint StartUptimeSeconds;
        public uint WindowSeconds;

        /// <summary>Samples in the window (the true count, before noise).</summary>
        public uint SampleCount;

        /// <summary>0: no noise; else Laplace noise of scale (F + 2) / epsilon was added to every count.</summary>
        public float Epsilon;

        public int Flags;

        /// <summary>Scores times 1000 (<see cref="NotComputed"/> when not computed), on the raw window.</summary>
        public int InputPsiMaxMilli = NotComputed;

        /// <summary>The input group of <see cref="InputPsiMaxMilli"/>.</summary>
        public int InputPsiMaxFeature;

        public int InputPsiMeanMilli = NotComputed;
        public int ClassPsiMilli = NotComputed;
        public int ConfidencePsiMilli = NotComputed;

        /// <summary>Mean Jensen-Shannon divergence of the input groups (base 2) times 1000.</summary>
        public int InputJsMilli = NotComputed;

        /// <summary>B: bins per input group.</summary>
        public int InputBins;

        /// <summary>F: input groups.</summary>
        public int Groups;

        /// <summary>F * B counts, group-major.</summary>
        public uint[] InputCounts;

        /// <summary>C counts.</summary>
        public uint[] ClassCounts;

        /// <summary>K counts.</summary>
        public uint[] ConfidenceCounts;

        public bool Alarm
        {
            get { return (Flags & FlagAlarm) != 0; }
        }

        /// <summary>Copies scores in, times 1000.</summary>
        public void SetScores(DriftScores scores)
        {
            InputPsiMaxMilli = DriftMath.Milli(scores.InputPsiMax);
            InputPsiMaxFeature = scores.InputPsiMaxGroup;
            InputPsiMeanMilli = DriftMath.Milli(scores.InputPsiMean);
            ClassPsiMilli = DriftMath.Milli(scores.ClassPsi);
            ConfidencePsiMilli = DriftMath.Milli(scores.ConfidencePsi);
            InputJsMilli = DriftMath.Milli(scores.InputJensenShannon);
        }

        /// <summary>Counts above 65535 are sent as 65535.</summary>
        /// <exception cref="ArgumentException">A size is outside its limits or the payload would exceed 4096 bytes.</exception>
        public byte[] Encode()
        {
            if (InputBins < HistogramLayout.MinBins || InputBins > HistogramLayout.MaxBins || Groups < 1 || Groups > HistogramLayout.MaxGroups || Groups * InputBins > MaxInputCells)
            {
                throw new ArgumentException("drift: " + Groups + " groups of " + InputBins + " bins (B 2..64, F 1..256, F*B at most " + MaxInputCells + ")");
            }

            if (InputCounts == null || InputCounts.Length != Groups * InputBins || ClassCounts == null || ClassCounts.Length < 1 || ClassCounts.Length > HistogramLayout.MaxClasses
                || ConfidenceCounts == null || ConfidenceCounts.Length < HistogramLayout.MinBins || ConfidenceCounts.Length > HistogramLayout.MaxBins)
            {
                throw new ArgumentException("drift: count arrays do not match F * B, C 1..2048 and K 2..64");
            }

            if (!(Epsilon >= 0) || float.IsInfinity(Epsilon))
            {
                throw new ArgumentException("drift: epsilon must be finite and not negative");
            }

            if ((Flags & ~FlagAlarm) != 0)
            {
                throw new ArgumentException("drift: unknown flags " + Flags);
            }

            if (InputPsiMaxFeature < 0 || InputPsiMaxFeature >= Groups)
            {
                throw new ArgumentException("drift: feature index " + InputPsiMaxFeature + " outside 0.." + (Groups - 1));
            }

            ByteWriter w = new ByteWriter(FixedBytes + VariantId.Length + (2 * (InputCounts.Length + ClassCounts.Length + ConfidenceCounts.Length)));
            w.WriteString(VariantId);
            w.WriteI32((int)StartUptimeSeconds);
            w.WriteI32((int)WindowSeconds);
            w.WriteI32((int)SampleCount);
            w.WriteF32(Epsilon);
            w.WriteU8(Flags);
            w.WriteU16(InputPsiMaxMilli);
            w.WriteU8(InputPsiMaxFeature);
            w.WriteU16(InputPsiMeanMilli);
            w.WriteU16(ClassPsiMilli);
            w.WriteU16(ConfidencePsiMilli);
            w.WriteU16(InputJsMilli);
            w.WriteU8(InputBins);
            w.WriteU16(Groups);
            WriteCounts(w, InputCounts);
            w.WriteU16(ClassCounts.Length);
            WriteCounts(w, ClassCounts);
            w.WriteU8(ConfidenceCounts.Length);
            WriteCounts(w, ConfidenceCounts);
            if (w.Length > WireCodec.MaxPayloadLength)
            {
                throw new ArgumentException("drift: " + w.Length + " bytes, more than the " + WireCodec.MaxPayloadLength + "-byte payload limit");
            }

            return w.ToArray();
        }

        public static DriftPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, Kind);
            try
            {
                DriftPayload d = new DriftPayload();
                d.VariantId = PayloadCodec.ReadString(r, Kind, "variant id");
                d.StartUptimeSeconds = r.ReadU32("start uptime");
                d.WindowSeconds = r.ReadU32("window");
                d.SampleCount = r.ReadU32("sample count");
                d.Epsilon = r.ReadF32("epsilon");
                if (!(d.Epsilon >= 0) || float.IsInfinity(d.Epsilon))
                {
                    throw PayloadCodec.Invalid(Kind, "epsilon must be finite and not negative");
                }

                d.Flags = r.ReadU8("flags");
                if ((d.Flags & ~FlagAlarm) != 0)
                {
                    throw PayloadCodec.Invalid(Kind, "unknown flags 0x" + d.Flags.ToString("X2"));
                }

                d.InputPsiMaxMilli = r.ReadU16("input PSI max");
                d.InputPsiMaxFeature = r.ReadU8("feature index");
                d.InputPsiMeanMilli = r.ReadU16("input PSI mean");
                d.ClassPsiMilli = r.ReadU16("class PSI");
                d.ConfidencePsiMilli = r.ReadU16("confidence PSI");
                d.InputJsMilli = r.ReadU16("input Jensen-Shannon");
                d.InputBins = r.ReadU8("input bins");
                d.Groups = r.ReadU16("input groups");
                if (d.InputBins < HistogramLayout.MinBins || d.InputBins > HistogramLayout.MaxBins)
                {
                    throw PayloadCodec.Invalid(Kind, "input bins " + d.InputBins + " outside 2..64");
                }

                if (d.Groups < 1 || d.Groups > HistogramLayout.MaxGroups || d.Groups * d.InputBins > MaxInputCells)
                {
                    throw PayloadCodec.Invalid(Kind, d.Groups + " input groups of " + d.InputBins + " bins (F 1..256, F*B at most " + MaxInputCells + ")");
                }

                if (d.InputPsiMaxFeature >= d.Groups)
                {
                    throw PayloadCodec.Invalid(Kind, "feature index " + d.InputPsiMaxFeature + " of " + d.Groups + " groups");
                }

                d.InputCounts = ReadCounts(r, d.Groups * d.InputBins, "input counts");
                int classes = r.ReadU16("classes");
                if (classes < 1 || classes > HistogramLayout.MaxClasses)
                {
                    throw PayloadCodec.Invalid(Kind, "classes " + classes + " outside 1.." + HistogramLayout.MaxClasses);
                }

                d.ClassCounts = ReadCounts(r, classes, "class counts");
                int confidenceBins = r.ReadU8("confidence bins");
                if (confidenceBins < HistogramLayout.MinBins || confidenceBins > HistogramLayout.MaxBins)
                {
                    throw PayloadCodec.Invalid(Kind, "confidence bins " + confidenceBins + " outside 2..64");
                }

                d.ConfidenceCounts = ReadCounts(r, confidenceBins, "confidence counts");
                PayloadCodec.End(r, Kind);
                if (payload.Length > WireCodec.MaxPayloadLength)
                {
                    // Encode refuses these, so a decoded window always encodes back.
                    throw PayloadCodec.Invalid(Kind, payload.Length + " bytes, more than the " + WireCodec.MaxPayloadLength + "-byte payload limit");
                }

                return d;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }

        private static uint[] ReadCounts(ByteReader r, int count, string what)
        {
            r.Require(count * 2, what);
            uint[] counts = new uint[count];
            for (int i = 0; i < count; i++)
            {
                counts[i] = (uint)r.ReadU16(what);
            }

            return counts;
        }

        private static void WriteCounts(ByteWriter w, uint[] counts)
        {
            for (int i = 0; i < counts.Length; i++)
            {
                w.WriteU16(counts[i] > MaxCount ? MaxCount : (int)counts[i]);
            }
        }
    }
}
