using TinyMLOps.Fleet.Tags;

namespace TinyMLOps.Host.Tests.Fleet.Tags;

public sealed class TagExpressionTests
{
    private static TagSubject Device(string tags, string board = "esp32-c3", string fleet = "lab", string? variants = null) =>
        TagSubject.Of("dev-1", fleet, board, tags.Split(' ', StringSplitOptions.RemoveEmptyEntries), variants?.Split(' '));

    private static bool Eval(string expression, TagSubject subject) => TagExpression.Parse(expression).Matches(subject);

    [Theory]
    [InlineData("outdoor site=berlin", true)]
    [InlineData("outdoor site=paris", true)]
    [InlineData("outdoor site=rome", false)]
    [InlineData("outdoor site=berlin beta", false)]
    [InlineData("site=berlin", false)]
    public void The_example_cohort_takes_outdoor_devices_of_berlin_or_paris_outside_the_beta(string tags, bool expected)
    {
        Assert.Equal(expected, Eval("outdoor and (site=berlin or site=paris) and not beta", Device(tags)));
    }

    [Fact]
    public void Not_binds_tighter_than_and_and_and_tighter_than_or()
    {
        // a or b and c == a or (b and c): true with only a, false with only b.
        Assert.True(Eval("a or b and c", Device("a")));
        Assert.False(Eval("a or b and c", Device("b")));
        Assert.True(Eval("(a or b) and c", Device("b c")));

        // not a and b == (not a) and b.
        Assert.True(Eval("not a and b", Device("b")));
        Assert.False(Eval("not a and b", Device("a b")));
        Assert.True(Eval("not (a and b)", Device("a")));
        Assert.True(Eval("not not a", Device("a")));
    }

    [Fact]
    public void Keywords_are_case_insensitive_and_tags_are_not()
    {
        Assert.True(Eval("Outdoor AND NOT beta", Device("Outdoor")));
        Assert.False(Eval("outdoor", Device("Outdoor")));
    }

    [Fact]
    public void Selectors_match_the_board_the_fleet_and_the_running_variants()
    {
        var device = Device("outdoor", board: "esp32-s3", fleet: "field", variants: "cnn-w2 mlp-w1");
        Assert.True(Eval("board:esp32-s3 and fleet:field", device));
        Assert.False(Eval("board:esp32-c3", device));
        Assert.True(Eval("variant:mlp-w1 and outdoor", device));
        Assert.False(Eval("variant:cnn-w1", device));
        Assert.False(Eval("variant:mlp-w1", Device("outdoor")));
        Assert.True(TagExpression.Parse("outdoor or variant:x").UsesVariants);
        Assert.False(TagExpression.Parse("outdoor or board:x").UsesVariants);
    }

    [Theory]
    [InlineData("", 1, "empty")]
    [InlineData("outdoor and", 12, "the end")]
    [InlineData("(outdoor or beta", 17, "to close the \"(\" at column 1")]
    [InlineData("outdoor beta", 9, "\"b\"")]
    [InlineData("outdoor and or beta", 13, "keyword \"or\"")]
    [InlineData("site=berlin & beta", 13, "\"&\"")]
    [InlineData("board: and x", 7, "a name after \"board:\"")]
    [InlineData(")", 1, "\")\"")]
    public void A_malformed_expression_is_one_line_naming_the_column(string expression, int column, string found)
    {
        var e = Assert.Throws<TagExpressionException>(() => TagExpression.Parse(expression));
        Assert.Equal(column, e.Position + 1);
        Assert.Contains($"at column {column}", e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Deep_nesting_and_long_text_are_refused_not_overflowed()
    {
        Assert.Throws<TagExpressionException>(() => TagExpression.Parse(new string('(', 10_000) + "a" + new string(')', 10_000)));
        Assert.Throws<TagExpressionException>(() => TagExpression.Parse(string.Concat(Enumerable.Repeat("not ", 500)) + "a"));
        Assert.True(Eval(new string('(', 30) + "a" + new string(')', 30), Device("a")));
    }

    [Fact]
    public void Random_text_either_parses_or_raises_the_parsers_own_error()
    {
        const string alphabet = "ab=:.-_() !&|\t\u00e9";
        string[] words = ["and", "or", "not", "(", ")", "outdoor", "site=berlin", "board:", "board:x", "variant:v", "fleet:f", " "];
        var random = new Random(20);
        int parsed = 0, refused = 0;
        var subject = Device("a b outdoor site=berlin", variants: "v");
        for (int i = 0; i < 20_000; i++)
        {
            string text = i % 2 == 0
                ? new string([.. Enumerable.Range(0, random.Next(0, 24)).Select(_ => alphabet[random.Next(alphabet.Length)])])
                : string.Join(' ', Enumerable.Range(0, random.Next(0, 10)).Select(_ => words[random.Next(words.Length)]));
            try
            {
                var e = TagExpression.Parse(text);
                _ = e.Matches(subject);
                parsed++;
            }
            catch (TagExpressionException)
            {
                refused++;
            }
        }

        // Both outcomes occur, so the fuzz reaches past the first token.
        Assert.True(parsed > 100 && refused > 100, $"parsed {parsed}, refused {refused}");
    }

    [Theory]
    [InlineData("outdoor", null)]
    [InlineData("site=berlin", null)]
    [InlineData("a.b_c:d-e", null)]
    [InlineData("", "empty")]
    [InlineData("has space", "' '")]
    [InlineData("and", "grammar")]
    [InlineData("NOT", "grammar")]
    [InlineData("board:x", "selector")]
    [InlineData("Variant:x", "selector")]
    public void Tags_are_checked_with_one_clear_line(string tag, string? problem)
    {
        string? found = DeviceTags.Problem(tag);
        if (problem == null)
        {
            Assert.Null(found);
            Assert.True(Eval(tag, Device(tag)));
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }

        Assert.Contains("64", DeviceTags.Problem(new string('x', 65)), StringComparison.Ordinal);
        Assert.Null(DeviceTags.Problem(new string('x', 64)));
    }
}
