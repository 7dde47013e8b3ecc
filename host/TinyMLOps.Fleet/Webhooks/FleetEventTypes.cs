namespace TinyMLOps.Fleet.Webhooks;

/// <summary>The event types a webhook can subscribe to, as they appear in the payload's "type" and the X-TinyMLOps-Event header.</summary>
public static class FleetEventTypes
{
    public const string DriftAlert = "drift.alert";
    public const string RolloutRolledBack = "rollout.rolled_back";
    public const string ExtractionSuspect = "metering.extraction_suspect";
    public const string RoundReleased = "round.released";

    /// <summary>Sent by `webhook test` to one subscription only; not subscribable.</summary>
    public const string Ping = "ping";

    public static IReadOnlyList<string> All { get; } = [DriftAlert, RolloutRolledBack, ExtractionSuspect, RoundReleased];

    /// <summary>A subscription's event list: "*" (every type) or the given types, checked and de-duplicated, as a comma list.</summary>
    public static string Normalize(string? list)
    {
        if (string.IsNullOrWhiteSpace(list) || list.Trim() is "*" or "all")
        {
            return "*";
        }

        var types = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        foreach (string t in types)
        {
            if (!All.Contains(t, StringComparer.Ordinal))
            {
                throw new ArgumentException($"unknown event type '{t}'; the types are {string.Join(", ", All)}");
            }
        }

        return types.Count == All.Count ? "*" : string.Join(',', types);
    }
}
