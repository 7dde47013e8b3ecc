using System.CommandLine;
using Spectre.Console;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`quota grant|ls`: prepaid quota tokens, signed with the device keys.</summary>
internal static class QuotaCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var quota = new Command("quota", "Prepaid quota tokens");
        quota.Subcommands.Add(QuotaGrantCommand.Build(console));
        quota.Subcommands.Add(QuotaListCommand.Build(console));
        return quota;
    }
}
