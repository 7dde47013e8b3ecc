namespace TinyMLOps.Web.Hosting;

/// <summary>Settings `serve` cannot run with; the message lists every problem, one per line.</summary>
public sealed class ServeConfigurationException : ArgumentException
{
    public ServeConfigurationException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
