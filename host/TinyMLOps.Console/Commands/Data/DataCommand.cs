using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>`data keywords` and `data features`: data sets made here, and features of them.</summary>
internal static class DataCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var data = new Command("data", "Make data sets on this machine from open tools");
        data.Subcommands.Add(DataKeywordsCommand.Build(console));
        data.Subcommands.Add(DataFeaturesCommand.Build(console));
        return data;
    }
}
