using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Tests.Protocol;

namespace TinyMLOps.Shared.Tests.Drift;

/// <summary>Seeded drift profiles and windows, mostly small, some at the limits.</summary>
internal static class DriftSamples
{
    public static DriftProfile Profile(Random rng)
    {
        bool regions = rng.Next(2) == 0;
        int gridH = regions ? rng.Next(1, 9) : 0;
        int gridW = regions ? rng.Next(1, 9) : 0;
        var p = new DriftProfile
        {
            GroupKind = regions ? HistogramLayout.KindImageRegions : HistogramLayout.KindPerChannel,
            GridH = gridH,
            GridW = gridW,
            Groups = regions ? gridH * gridW : rng.Next(1, 9),
            InputBins = rng.Next(8) == 0 ? HistogramLayout.MaxBins : rng.Next(2, 20),
            Classes = rng.Next(8) == 0 ? HistogramLayout.MaxClasses : rng.Next(1, 20),
            ConfidenceBins = rng.Next(2, 20),
            AlarmPsiMilli = rng.Next(1, 0x10000),
            SampleCount = ProtocolSamples.U32(rng),
        };
        p.InputCounts = Counts(rng, p.Groups * p.InputBins, uint.MaxValue);
        p.ClassCounts = Counts(rng, p.Classes, uint.MaxValue);
        p.ConfidenceCounts = Counts(rng, p.ConfidenceBins, uint.MaxValue);
        return p;
    }

    public static DriftPayload Window(Random rng)
    {
        int bins = rng.Next(8) == 0 ? 64 : rng.Next(2, 17);
        int groups = rng.Next(8) == 0 ? Math.Min(HistogramLayout.MaxGroups, DriftPayload.MaxInputCells / bins) : rng.Next(1, 17);
        int confidenceBins = rng.Next(2, 65);
        string variant = ProtocolSamples.Text(rng);
        int room = (WireCodec.MaxPayloadLength - DriftPayload.FixedBytes - System.Text.Encoding.UTF8.GetByteCount(variant)) / 2 - (groups * bins) - confidenceBins;
        int classes = rng.Next(8) == 0 ? room : rng.Next(1, Math.Min(room, 40) + 1);
        bool scored = rng.Next(3) != 0;
        return new DriftPayload
        {
            VariantId = variant,
            StartUptimeSeconds = ProtocolSamples.U32(rng),
            WindowSeconds = ProtocolSamples.U32(rng),
            SampleCount = ProtocolSamples.U32(rng),
            Epsilon = rng.Next(3) == 0 ? 0f : (float)(rng.NextDouble() * 10),
            Flags = rng.Next(2),
            InputPsiMaxMilli = scored ? rng.Next(0x10000) : DriftPayload.NotComputed,
            InputPsiMaxFeature = rng.Next(groups),
            InputPsiMeanMilli = scored ? rng.Next(0x10000) : DriftPayload.NotComputed,
            ClassPsiMilli = scored ? rng.Next(0x10000) : DriftPayload.NotComputed,
            ConfidencePsiMilli = scored ? rng.Next(0x10000) : DriftPayload.NotComputed,
            InputJsMilli = scored ? rng.Next(1001) : DriftPayload.NotComputed,
            InputBins = bins,
            Groups = groups,
            InputCounts = Counts(rng, groups * bins, DriftPayload.MaxCount),
            ClassCounts = Counts(rng, classes, DriftPayload.MaxCount),
            ConfidenceCounts = Counts(rng, confidenceBins, DriftPayload.MaxCount),
        };
    }

    public static uint[] Counts(Random rng, int n, uint max)
    {
        var counts = new uint[n];
        for (int i = 0; i < n; i++)
        {
            counts[i] = rng.Next(4) switch
            {
                0 => 0,
                1 => max,
                _ => (uint)rng.NextInt64(0, max + 1L),
            };
        }

        return counts;
    }
}
