using System.Text.RegularExpressions;
using Spectre.Console;
using TinyMLOps.Console;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Console;

/// <summary>Runs console verbs through the real command tree with an injected, colourless console and a temporary folder.</summary>
public abstract class ConsoleTest : IDisposable
{
    protected ConsoleTest()
    {
        Dir = Directory.CreateTempSubdirectory("tinymlops-cli-");
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        Console.Profile.Width = 220;
    }

    protected DirectoryInfo Dir { get; }

    protected StringWriter Out { get; } = new();

    protected IAnsiConsole Console { get; }

    public void Dispose()
    {
        Dir.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    protected int Run(params string[] args) => Cli.Run(args, Console, Out);

    /// <summary>The output on one line, runs of white space as one space (Spectre wraps long lines).</summary>
    protected string Flat() => Regex.Replace(Out.ToString(), @"\s+", " ").Trim();

    /// <summary>The first top-1 accuracy in the output (`model eval`'s "accuracy N.NN %").</summary>
    protected double Accuracy()
    {
        var match = Regex.Match(Out.ToString(), @"accuracy (\d+\.\d+) %");
        Assert.True(match.Success, Out.ToString());
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Asserts that the output gives <paramref name="boardId"/>'s whole not-deployable line from its profile, without a
    /// stack trace: as the one error line of a refused <paramref name="refusedVerb"/>, or anywhere when that is null.
    /// Spectre wraps long lines at the console width, so whitespace runs are compared as single spaces.
    /// </summary>
    protected void AssertSaysNotDeployable(string boardId, string? refusedVerb = null)
    {
        string output = Regex.Replace(Out.ToString(), @"\s+", " ").Trim();
        string line = BoardCatalog.Default.Get(boardId).NotDeployable ?? throw new InvalidOperationException($"{boardId} is deployable");
        if (refusedVerb != null)
        {
            Assert.Equal($"error: cannot {refusedVerb}: {line}", output);
        }
        else
        {
            Assert.Contains(line, output);
        }

        Assert.DoesNotContain("Exception", output);
    }
}
