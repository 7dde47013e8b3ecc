using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>`data keywords`, `data features` and `data samples`: data sets made here, features of them, and a board's sample file.</summary>
internal static class DataCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var data = new Command("data", "Make data sets on this machine from open tools");
        data.Subcommands.Add(DataKeywordsCommand.Build(console));
        data.Subcommands.Add(DataFeaturesCommand.Build(console));
        data.Subcommands.Add(DataSamplesCommand.Build(console));
        return data;
    }
}
