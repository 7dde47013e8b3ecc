using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>Coalesces stored sequence numbers into the inclusive ranges of <see cref="AckPayload"/> messages.</summary>
public static class AckRanges
{
    public static IReadOnlyList<AckPayload> Build(IEnumerable<long> sequences)
    {
        long[] sorted = sequences.Distinct().Order().ToArray();
        var acks = new List<AckPayload>();
        var first = new List<uint>();
        var last = new List<uint>();
        for (int i = 0; i < sorted.Length; i++)
        {
            uint s = (uint)sorted[i];
            if (first.Count > 0 && s == last[^1] + 1)
            {
                last[^1] = s;
                continue;
            }

            if (first.Count == AckPayload.MaxRanges)
            {
                acks.Add(new AckPayload(first.ToArray(), last.ToArray()));
                first.Clear();
                last.Clear();
            }

            first.Add(s);
            last.Add(s);
        }

        if (first.Count > 0)
        {
            acks.Add(new AckPayload(first.ToArray(), last.ToArray()));
        }

        return acks;
    }
}
