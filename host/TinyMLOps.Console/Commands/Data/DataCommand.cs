using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>`data keywords`: data sets made here.</summary>
internal static class DataCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var data = new Command("data", "Make data sets on this machine from open tools");
        data.Subcommands.Add(DataKeywordsCommand.Build(console));
        return data;
    }
}
