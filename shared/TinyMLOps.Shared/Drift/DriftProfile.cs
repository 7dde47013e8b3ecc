using System;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Drift
{
    /// <summary>
    /// The reference histograms of a model variant, computed from its training data (binary v1, docs/model-format.md).
    /// It travels inside the model file, so the content hash and the artifact tag cover it. Bins follow
    /// <see cref="HistogramLayout"/>.
    /// </summary>
    public sealed class DriftProfile
    {
        public const int Version = 1;

        /// <summary>PSI above 0.2 raises the alarm unless the profile says otherwise.</summary>
        public const int DefaultAlarmPsiMilli = 200;

        /// <summary>Bytes before the counts.</summary>
        public const int HeaderBytes = 16;

        public int GroupKind = HistogramLayout.KindImageRegions;

        /// <summary>Grid of the image regions; 0, 0 for per-channel groups.</summary>
        public int GridH;
        public int GridW;

        /// <summary>B: bins per input group.</summary>
        public int InputBins = HistogramLayout.DefaultInputBins;

        /// <summary>F: input feature groups.</summary>
        public int Groups;

        /// <summary>C: classes (the model's output size).</summary>
        public int Classes;

        /// <summary>K: top-1 confidence bins.</summary>
        public int ConfidenceBins = HistogramLayout.DefaultConfidenceBins;

        /// <summary>PSI threshold of the local alarm, times 1000.</summary>
        public int AlarmPsiMilli = DefaultAlarmPsiMilli;

        /// <summary>Samples the reference was built from.</summary>
        public uint SampleCount;

        /// <summary>F * B counts, group-major.</summary>
        public uint[] InputCounts;

        public uint[] ClassCounts;

        public uint[] ConfidenceCounts;

        /// <summary>Size of <see cref="Encode"/>'s result.</summary>
        public int EncodedLength
        {
            get { return HeaderBytes + (4 * ((Groups * InputBins) + Classes + ConfidenceBins)); }
        }

        /// <exception cref="ModelFormatException">A field is outside its range or a count array has the wrong length.</exception>
        public byte[] Encode()
        {
            CheckHeader(GroupKind, GridH, GridW, InputBins, Groups, Classes, ConfidenceBins, AlarmPsiMilli);
            CheckLength(InputCounts, Groups * InputBins, "input counts");
            CheckLength(ClassCounts, Classes, "class counts");
            CheckLength(ConfidenceCounts, ConfidenceBins, "confidence counts");
            ByteWriter w = new ByteWriter(EncodedLength);
            w.WriteU8(Version);
            w.WriteU8(GroupKind);
            w.WriteU8(GridH);
            w.WriteU8(GridW);
            w.WriteU8(InputBins);
            w.WriteU16(Groups);
            w.WriteU16(Classes);
            w.WriteU8(ConfidenceBins);
            w.WriteU16(AlarmPsiMilli);
            w.WriteI32((int)SampleCount);
            WriteCounts(w, InputCounts);
            WriteCounts(w, ClassCounts);
            WriteCounts(w, ConfidenceCounts);
            return w.ToArray();
        }

        /// <summary>Decodes exactly <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
        /// <exception cref="ModelFormatException">Truncated, trailing bytes, or a field out of range (the field is named).</exception>
        public static DriftProfile Decode(byte[] data, int offset, int length)
        {
            if (data == null || offset < 0 || length < 0 || offset > data.Length - length)
            {
                throw new ModelFormatException("drift profile: " + length + " bytes at " + offset + " are outside the data");
            }

            ByteReader r = new ByteReader(data, offset, offset + length);
            int version = r.ReadU8("drift profile version");
            if (version != Version)
            {
                throw new ModelFormatException("drift profile version " + version + " unsupported (this runtime reads version " + Version + ")");
            }

            DriftProfile p = new DriftProfile();
            p.GroupKind = r.ReadU8("drift profile group kind");
            p.GridH = r.ReadU8("drift profile grid height");
            p.GridW = r.ReadU8("drift profile grid width");
            p.InputBins = r.ReadU8("drift profile input bins");
            p.Groups = r.ReadU16("drift profile input groups");
            p.Classes = r.ReadU16("drift profile classes");
            p.ConfidenceBins = r.ReadU8("drift profile confidence bins");
            p.AlarmPsiMilli = r.ReadU16("drift profile alarm threshold");
            p.SampleCount = r.ReadU32("drift profile sample count");
            CheckHeader(p.GroupKind, p.GridH, p.GridW, p.InputBins, p.Groups, p.Classes, p.ConfidenceBins, p.AlarmPsiMilli);
            p.InputCounts = ReadCounts(r, p.Groups * p.InputBins, "drift profile input counts");
            p.ClassCounts = ReadCounts(r, p.Classes, "drift profile class counts");
            p.ConfidenceCounts = ReadCounts(r, p.ConfidenceBins, "drift profile confidence counts");
            if (r.Remaining != 0)
            {
                throw new ModelFormatException("drift profile: " + r.Remaining + " bytes after the confidence counts");
            }

            return p;
        }

        /// <summary>Checks that the profile's groups and classes match a model's input shape and output size.</summary>
        /// <exception cref="ModelFormatException">They do not.</exception>
        public void CheckFits(int inputH, int inputW, int inputC, int classes)
        {
            if (Classes != classes)
            {
                throw new ModelFormatException("drift profile has " + Classes + " classes, the model " + classes + " outputs");
            }

            if (GroupKind == HistogramLayout.KindPerChannel ? Groups != inputC : (GridH > inputH || GridW > inputW))
            {
                throw new ModelFormatException("drift profile groups (" + Groups + ", grid " + GridH + "x" + GridW + ") do not fit the " + inputH + "x" + inputW + "x" + inputC + " input");
            }
        }

        private static void CheckHeader(int kind, int gridH, int gridW, int bins, int groups, int classes, int confidenceBins, int alarmMilli)
        {
            if (kind == HistogramLayout.KindImageRegions)
            {
                if (gridH < 1 || gridW < 1 || gridH * gridW != groups)
                {
                    throw new ModelFormatException("drift profile grid " + gridH + "x" + gridW + " does not make " + groups + " input groups");
                }
            }
            else if (kind == HistogramLayout.KindPerChannel)
            {
                if (gridH != 0 || gridW != 0)
                {
                    throw new ModelFormatException("drift profile grid must be 0x0 for per-channel groups");
                }
            }
            else
            {
                throw new ModelFormatException("drift profile group kind " + kind + " unknown");
            }

            CheckRange(bins, HistogramLayout.MinBins, HistogramLayout.MaxBins, "input bins");
            CheckRange(groups, 1, HistogramLayout.MaxGroups, "input groups");
            CheckRange(classes, 1, HistogramLayout.MaxClasses, "classes");
            CheckRange(confidenceBins, HistogramLayout.MinBins, HistogramLayout.MaxBins, "confidence bins");
            CheckRange(alarmMilli, 1, 0xFFFF, "alarm threshold");
        }

        private static void CheckRange(int value, int min, int max, string what)
        {
            if (value < min || value > max)
            {
                throw new ModelFormatException("drift profile " + what + " " + value + " outside " + min + ".." + max);
            }
        }

        private static void CheckLength(uint[] counts, int length, string what)
        {
            if (counts == null || counts.Length != length)
            {
                throw new ModelFormatException("drift profile " + what + ": " + (counts == null ? 0 : counts.Length) + " values, the layout needs " + length);
            }
        }

        private static uint[] ReadCounts(ByteReader r, int count, string what)
        {
            r.Require(count * 4, what);
            uint[] counts = new uint[count];
            for (int i = 0; i < count; i++)
            {
                counts[i] = r.ReadU32(what);
            }

            return counts;
        }

        private static void WriteCounts(ByteWriter w, uint[] counts)
        {
            for (int i = 0; i < counts.Length; i++)
            {
                w.WriteI32((int)counts[i]);
            }
        }
    }
}
