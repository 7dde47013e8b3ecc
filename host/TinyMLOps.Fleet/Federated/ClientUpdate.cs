namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// One client's update for a round: the delta (local − global) per tensor, in the same tensor order and sizes as the
/// global model, and the number of local samples it was trained on (the FedAvg weight).
/// </summary>
public sealed record ClientUpdate(string ClientId, long SampleCount, float[][] Delta)
{
    /// <summary>True when the delta has the global model's shape, only finite values and at least one sample.</summary>
    public bool IsUsableFor(float[][] global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (SampleCount <= 0 || Delta is null || Delta.Length != global.Length)
        {
            return false;
        }

        for (var t = 0; t < global.Length; t++)
        {
            var d = Delta[t];
            if (d is null || d.Length != global[t].Length)
            {
                return false;
            }

            foreach (var v in d)
            {
                // One NaN would poison every mean-based strategy; drop the client instead.
                if (!float.IsFinite(v))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The updates a strategy may use and how many it had to drop (wrong shape, non-finite, no samples).
    /// Throws when none is left, since there is nothing to aggregate.
    /// </summary>
    public static IReadOnlyList<ClientUpdate> Usable(IReadOnlyList<ClientUpdate> updates, float[][] global, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(global);
        var usable = updates.Where(u => u is not null && u.IsUsableFor(global)).ToList();
        dropped = updates.Count - usable.Count;
        if (usable.Count == 0)
        {
            throw new ArgumentException($"No usable client update among {updates.Count}.", nameof(updates));
        }

        return usable;
    }
}
