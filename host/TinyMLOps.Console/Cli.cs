using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands;

namespace TinyMLOps.Console;

/// <summary>The console's command tree. Commands write to an injected console so tests can read them.</summary>
public static class Cli
{
    public static RootCommand Build(IAnsiConsole console)
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
        return root;
    }

    public static int Run(string[] args, IAnsiConsole console, TextWriter? output = null)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output != null)
        {
            config.Output = output;
            config.Error = output;
        }

        try
        {
            return Build(console).Parse(args).Invoke(config);
        }
        catch (Exception e) when (UserError.IsUserError(e))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
    }
}
