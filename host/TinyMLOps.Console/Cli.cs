using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands;

namespace TinyMLOps.Console;

/// <summary>The console's command tree. Commands write to an injected console so tests can read them.</summary>
public static class Cli
{
    /// <param name="environment">Variables that replace this process's for the verbs that read the environment or start tools (provision, flash); null for none.</param>
    public static RootCommand Build(IAnsiConsole console, IReadOnlyDictionary<string, string>? environment = null)
    {
        var root = new RootCommand("TinyMLOps: operate int8 models on microcontroller fleets");
        root.Subcommands.Add(ModelCommands.Build(console));
        root.Subcommands.Add(BenchCommand.Build(console));
        root.Subcommands.Add(DemoCommand.Build(console));
        root.Subcommands.Add(ServeCommand.Build(console));
        root.Subcommands.Add(SimCommand.Build(console));
        root.Subcommands.Add(FleetCommands.Fleet(console));
        root.Subcommands.Add(FleetCommands.Device(console));
        root.Subcommands.Add(FleetCommands.Status(console));
        root.Subcommands.Add(FleetCommands.Live(console));
        root.Subcommands.Add(VariantCommands.Build(console));
        root.Subcommands.Add(MeterCommands.Meter(console));
        root.Subcommands.Add(MeterCommands.Quota(console));
        root.Subcommands.Add(DriftCommands.Build(console));
        root.Subcommands.Add(RoundCommands.Build(console));
        root.Subcommands.Add(ProvisionCommand.Build(console, environment));
        root.Subcommands.Add(FlashCommand.Build(console, environment));
        return root;
    }

    public static int Run(string[] args, IAnsiConsole console, TextWriter? output = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output != null)
        {
            config.Output = output;
            config.Error = output;
        }

        try
        {
            return Build(console, environment).Parse(args).Invoke(config);
        }
        catch (Exception e) when (UserError.IsUserError(e))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
    }
}
