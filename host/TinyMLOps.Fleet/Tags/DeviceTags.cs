namespace TinyMLOps.Fleet.Tags;

/// <summary>
/// The rules for a device tag ("outdoor", "site=berlin"): 1-64 characters of letters, digits and <c>. _ : = -</c>, at most
/// <see cref="MaxPerDevice"/> per device. The words of the expression grammar (and, or, not) and the selector prefixes
/// (board:, fleet:, variant:) are refused, so every tag can be written in an expression.
/// </summary>
public static class DeviceTags
{
    public const int MaxLength = 64;
    public const int MaxPerDevice = 32;

    public static readonly IReadOnlyList<string> SelectorPrefixes = ["board:", "fleet:", "variant:"];

    public static bool IsTagChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '=' or '-';

    /// <summary>Null when <paramref name="tag"/> is a valid tag, else why not (one line).</summary>
    public static string? Problem(string? tag)
    {
        if (string.IsNullOrEmpty(tag))
        {
            return "a tag is 1-64 characters; this one is empty";
        }

        if (tag.Length > MaxLength)
        {
            return $"tag \"{tag[..16]}...\" has {tag.Length} characters; at most {MaxLength}";
        }

        int bad = tag.AsSpan().IndexOfAnyExcept(TagChars);
        if (bad >= 0)
        {
            return $"tag \"{tag}\": character '{tag[bad]}' at {bad + 1} is not allowed (letters, digits and . _ : = -)";
        }

        if (TagExpression.IsKeyword(tag))
        {
            return $"tag \"{tag}\" is a word of the expression grammar (and, or, not)";
        }

        foreach (string prefix in SelectorPrefixes)
        {
            if (tag.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return $"tag \"{tag}\" starts with the selector {prefix} (board:, fleet: and variant: select by device, not by tag)";
            }
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one line naming the first bad tag.</summary>
    public static void Validate(IEnumerable<string> tags)
    {
        foreach (string tag in tags)
        {
            if (Problem(tag) is { } problem)
            {
                throw new ArgumentException(problem);
            }
        }
    }

    private static readonly System.Buffers.SearchValues<char> TagChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:=-");
}
