namespace TinyMLOps.Fleet.Tags;

/// <summary>
/// A boolean expression over a device's tags, e.g. <c>outdoor and (site=berlin or site=paris) and not beta</c>.
/// Grammar (keywords case-insensitive; <c>not</c> binds tighter than <c>and</c>, <c>and</c> tighter than <c>or</c>):
/// <code>
/// or      := and ("or" and)*
/// and     := unary ("and" unary)*
/// unary   := "not" unary | "(" or ")" | atom
/// atom    := tag | "board:" name | "fleet:" name | "variant:" id
/// </code>
/// A tag is true when the device carries it; a selector when the device's board or fleet is the name, or when it runs
/// the variant on a role. A small recursive-descent parser; anything it cannot read is a <see cref="TagExpressionException"/>.
/// </summary>
public sealed class TagExpression
{
    public const int MaxLength = 1024;
    public const int MaxDepth = 64;

    private readonly Func<TagSubject, bool> _evaluate;

    private TagExpression(string text, Func<TagSubject, bool> evaluate, bool usesVariants)
    {
        Text = text;
        _evaluate = evaluate;
        UsesVariants = usesVariants;
    }

    /// <summary>The expression as written (trimmed).</summary>
    public string Text { get; }

    /// <summary>True when a <c>variant:</c> selector appears: the caller must fill <see cref="TagSubject.Variants"/>.</summary>
    public bool UsesVariants { get; }

    public static bool IsKeyword(string word) =>
        word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase) || word.Equals("not", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses an expression; null or blank text is null (no cohort: every device).</summary>
    public static TagExpression? ParseOptional(string? text) => string.IsNullOrWhiteSpace(text) ? null : Parse(text);

    public static TagExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length > MaxLength)
        {
            throw new TagExpressionException(trimmed[..32] + "...", 0, $"{trimmed.Length} characters; at most {MaxLength}");
        }

        var parser = new Parser(trimmed);
        var evaluate = parser.ParseAll();
        return new TagExpression(trimmed, evaluate, parser.UsesVariants);
    }

    public bool Matches(TagSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return _evaluate(subject);
    }

    public override string ToString() => Text;

    private sealed class Parser(string text)
    {
        private int _pos;
        private int _depth;

        public bool UsesVariants { get; private set; }

        public Func<TagSubject, bool> ParseAll()
        {
            if (text.Length == 0)
            {
                throw Error(0, "expected a tag, a selector, \"not\" or \"(\"; the expression is empty");
            }

            var e = ParseOr();
            SkipSpace();
            if (_pos < text.Length)
            {
                throw Error(_pos, $"expected \"and\", \"or\" or the end, found {Describe(_pos)}");
            }

            return e;
        }

        private Func<TagSubject, bool> ParseOr()
        {
            var left = ParseAnd();
            while (TryKeyword("or"))
            {
                var l = left;
                var r = ParseAnd();
                left = s => l(s) || r(s);
            }

            return left;
        }

        private Func<TagSubject, bool> ParseAnd()
        {
            var left = ParseUnary();
            while (TryKeyword("and"))
            {
                var l = left;
                var r = ParseUnary();
                left = s => l(s) && r(s);
            }

            return left;
        }

        private Func<TagSubject, bool> ParseUnary()
        {
            if (++_depth > MaxDepth)
            {
                throw Error(_pos, $"nested deeper than {MaxDepth}");
            }

            try
            {
                if (TryKeyword("not"))
                {
                    var inner = ParseUnary();
                    return s => !inner(s);
                }

                SkipSpace();
                if (_pos < text.Length && text[_pos] == '(')
                {
                    int open = _pos++;
                    var inner = ParseOr();
                    SkipSpace();
                    if (_pos >= text.Length || text[_pos] != ')')
                    {
                        throw Error(_pos, $"expected \")\" to close the \"(\" at column {open + 1}, found {Describe(_pos)}");
                    }

                    _pos++;
                    return inner;
                }

                return ParseAtom();
            }
            finally
            {
                _depth--;
            }
        }

        private Func<TagSubject, bool> ParseAtom()
        {
            int start = _pos;
            string word = ReadWord();
            if (word.Length == 0)
            {
                throw Error(start, $"expected a tag, a selector, \"not\" or \"(\", found {Describe(start)}");
            }

            if (IsKeyword(word))
            {
                throw Error(start, $"expected a tag, a selector, \"not\" or \"(\", found the keyword \"{word}\"");
            }

            int colon = word.IndexOf(':', StringComparison.Ordinal);
            string prefix = colon < 0 ? string.Empty : word[..(colon + 1)].ToLowerInvariant();
            if (DeviceTags.SelectorPrefixes.Contains(prefix))
            {
                string name = word[(colon + 1)..];
                if (name.Length == 0)
                {
                    throw Error(start + colon + 1, $"expected a name after \"{prefix}\"");
                }

                switch (prefix)
                {
                    case "board:":
                        return s => string.Equals(s.Board, name, StringComparison.Ordinal);
                    case "fleet:":
                        return s => string.Equals(s.Fleet, name, StringComparison.Ordinal);
                    default:
                        UsesVariants = true;
                        return s => s.Variants != null && s.Variants.Contains(name);
                }
            }

            if (word.Length > DeviceTags.MaxLength)
            {
                throw Error(start, $"a tag has at most {DeviceTags.MaxLength} characters; this one has {word.Length}");
            }

            return s => s.Tags.Contains(word);
        }

        private bool TryKeyword(string keyword)
        {
            SkipSpace();
            int start = _pos;
            int end = start;
            while (end < text.Length && DeviceTags.IsTagChar(text[end]))
            {
                end++;
            }

            if (end - start == keyword.Length && string.Compare(text, start, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                _pos = end;
                return true;
            }

            return false;
        }

        private string ReadWord()
        {
            SkipSpace();
            int start = _pos;
            while (_pos < text.Length && DeviceTags.IsTagChar(text[_pos]))
            {
                _pos++;
            }

            return text[start.._pos];
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private string Describe(int at) =>
            at >= text.Length ? "the end" : char.IsControl(text[at]) ? $"character U+{(int)text[at]:X4}" : $"\"{text[at]}\"";

        private TagExpressionException Error(int at, string problem) => new(text, at, problem);
    }
}
