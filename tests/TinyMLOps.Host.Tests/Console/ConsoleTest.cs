using Spectre.Console;
using TinyMLOps.Console;

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
}
