namespace TinyMLOps.Fleet.Tags;

/// <summary>A tag expression that does not parse: one line naming what was expected and the column (1-based) where.</summary>
public sealed class TagExpressionException : ArgumentException
{
    public TagExpressionException(string expression, int position, string problem)
        : base($"tag expression \"{expression}\": {problem} at column {position + 1}")
    {
        Expression = expression;
        Position = position;
    }

    public string Expression { get; }

    /// <summary>0-based offset into <see cref="Expression"/>.</summary>
    public int Position { get; }
}
