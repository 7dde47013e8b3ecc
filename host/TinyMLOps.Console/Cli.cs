using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console;

/// <summary>The console's command tree. Commands write to an injected console so tests can read them.</summary>
public static class Cli
{
    public static int Run(string[] args, IAnsiConsole console)
    {
        var root = new RootCommand("TinyMLOps: operate int8 models on microcontroller fleets");
        return root.Parse(args).Invoke();
    }
}
