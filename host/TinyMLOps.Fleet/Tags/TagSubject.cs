namespace TinyMLOps.Fleet.Tags;

/// <summary>What a tag expression sees of a device: its tags, fleet and board, and (when the caller looked them up) the variants it runs.</summary>
public sealed record TagSubject(string DeviceId, string Fleet, string Board, IReadOnlySet<string> Tags, IReadOnlySet<string>? Variants = null)
{
    public static TagSubject Of(string deviceId, string fleet, string board, IEnumerable<string> tags, IEnumerable<string>? variants = null) =>
        new(deviceId, fleet, board, tags.ToHashSet(StringComparer.Ordinal), variants?.Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal));
}
