using System.Globalization;
using System.Text;

namespace TinyMLOps.Web.Api;

/// <summary>
/// One page of a list: its items and the cursor of the next page (null on the last). Every list of the API is paged;
/// a client passes <c>?limit=N&amp;cursor=C</c> (limit 1–<see cref="MaxLimit"/>, default <see cref="DefaultLimit"/>).
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>Paging over an ordered list. The cursor is opaque to clients (an encoded offset).</summary>
public static class Paging
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    /// <summary>The offset and limit a request asks for; an ArgumentException (a 400) when either is malformed.</summary>
    public static (int Offset, int Limit) Parse(int? limit, string? cursor)
    {
        int take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            throw new ArgumentException($"limit must be 1–{MaxLimit}");
        }

        return (DecodeCursor(cursor), take);
    }

    public static Page<TOut> Of<TIn, TOut>(IReadOnlyList<TIn> ordered, int? limit, string? cursor, Func<TIn, TOut> map)
    {
        (int offset, int take) = Parse(limit, cursor);
        var items = ordered.Skip(offset).Take(take).Select(map).ToList();
        string? next = offset + take < ordered.Count ? EncodeCursor(offset + take) : null;
        return new Page<TOut>(items, next);
    }

    public static string EncodeCursor(long value) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("o" + value.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    public static int DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        try
        {
            string padded = cursor + new string('=', (4 - (cursor.Length % 4)) % 4);
            string text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            if (text.Length > 1 && text[0] == 'o' && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // falls through to the one message below
        }

        throw new ArgumentException("cursor is not one this API gave");
    }
}
