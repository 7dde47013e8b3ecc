using System.Globalization;
using System.Text;
using Spectre.Console;

namespace TinyMLOps.Console.Rendering;

/// <summary>
/// Text that came from a device or the broker (ids, topics, versions, telemetry strings, details), made safe for a terminal:
/// control characters, escape sequences and bidirectional overrides are shown as visible escapes (ESC as `\x1b`), so a
/// device cannot retitle, clear or recolour the operator's terminal; <see cref="Markup"/> also escapes Spectre markup.
/// </summary>
public static class TerminalText
{
    /// <summary>The text with every C0/C1 control character, DEL and bidi control shown as `\xNN` or `\uNNNN`.</summary>
    public static string Plain(string? text) => Clean(text, keepLineBreaks: false);

    /// <summary><see cref="Plain"/> with Spectre markup escaped, for interpolation into markup strings.</summary>
    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Plain(text));

    /// <summary>A table cell or grid value that is neither markup nor control sequences.</summary>
    public static Text Cell(string? text) => new(Plain(text));

    /// <summary>Whether the text holds nothing that <see cref="Plain"/> would change.</summary>
    public static bool IsClean(string? text, bool keepLineBreaks = false)
    {
        foreach (char c in text ?? string.Empty)
        {
            if (Unsafe(c) && !(keepLineBreaks && c == '\n'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text with unsafe characters made visible; line breaks kept when asked (the console-wide guard keeps Spectre's own).</summary>
    internal static string Clean(string? text, bool keepLineBreaks)
    {
        if (text == null)
        {
            return string.Empty;
        }

        if (IsClean(text, keepLineBreaks))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (!Unsafe(c) || (keepLineBreaks && c == '\n'))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(c <= 0xFF ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    // C0 (ESC, BEL, CR, backspace...), DEL, C1 (0x9B is a one-byte CSI on some terminals), and the bidi controls that
    // reorder what the operator reads (Trojan Source).
    private static bool Unsafe(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E' || c == '\u200F' || c == '\u061C';
}
