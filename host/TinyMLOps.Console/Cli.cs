using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Bench;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Commands.Data;
using TinyMLOps.Console.Commands.Demo;
using TinyMLOps.Console.Commands.Drift;
using TinyMLOps.Console.Commands.Flash;
using TinyMLOps.Console.Commands.Fleet;
using TinyMLOps.Console.Commands.Meter;
using TinyMLOps.Console.Commands.Model;
using TinyMLOps.Console.Commands.Provision;
using TinyMLOps.Console.Commands.Round;
using TinyMLOps.Console.Commands.Serve;
using TinyMLOps.Console.Commands.Sim;
using TinyMLOps.Console.Commands.Variant;
using TinyMLOps.Console.Commands.Webhook;

namespace TinyMLOps.Console;

/// <summary>The console's command tree. Commands write to an injected console so tests can read them.</summary>
public static class Cli
{
    /// <param name="environment">Variables that replace this process's for the verbs that read the environment or start tools (provision, flash); null for none.</param>
    public static RootCommand Build(IAnsiConsole console, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Device text reaches many views: the guard shows any control character a view forgot to escape.
        console = Rendering.TerminalGuard.Wrap(console);
        var root = new RootCommand("TinyMLOps: operate int8 models on microcontroller fleets");
        root.Subcommands.Add(ModelCommand.Build(console));
        root.Subcommands.Add(BenchCommand.Build(console));
        root.Subcommands.Add(DataCommand.Build(console));
        root.Subcommands.Add(DemoCommand.Build(console));
        root.Subcommands.Add(ServeCommand.Build(console, TinyMLOps.Simulation.Tasks.TaskCatalog.All));
        root.Subcommands.Add(SimCommand.Build(console));
        root.Subcommands.Add(FleetCommand.Build(console));
        root.Subcommands.Add(DeviceCommand.Build(console));
        root.Subcommands.Add(StatusCommand.Build(console));
        root.Subcommands.Add(LiveCommand.Build(console));
        root.Subcommands.Add(VariantCommand.Build(console));
        root.Subcommands.Add(MeterCommand.Build(console));
        root.Subcommands.Add(QuotaCommand.Build(console));
        root.Subcommands.Add(DriftCommand.Build(console));
        root.Subcommands.Add(TinyMLOps.Console.Commands.ApiKey.ApiKeyCommand.Build(console));
        root.Subcommands.Add(RoundCommand.Build(console));
        root.Subcommands.Add(WebhookCommand.Build(console));
        root.Subcommands.Add(ProvisionCommand.Build(console, environment));
        root.Subcommands.Add(FlashCommand.Build(console, environment));
        return root;
    }

    /// <summary>Exit codes scripts can rely on (README, "Exit codes").</summary>
    public const int ExitOk = 0;

    public const int ExitFailure = 1;

    public const int ExitUsage = 2;

    public const int ExitUnreachable = 3;

    /// <summary>Prints stack traces of failures; everything else gets one line.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "on a failure, print the exception and its stack trace", Recursive = true };

    public static int Run(string[] args, IAnsiConsole console, TextWriter? output = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        console = Rendering.TerminalGuard.Wrap(console);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output != null)
        {
            config.Output = output;
            config.Error = output;
        }

        RootCommand root = Build(console, environment);
        root.Options.Add(Verbose);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.MarkupLineInterpolated($"[red]usage:[/] {error.Message}");
            }

            console.MarkupLineInterpolated($"see `tinymlops {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(3))} --help`");
            return ExitUsage;
        }

        bool verbose = parse.GetValue(Verbose);
        try
        {
            return parse.Invoke(config);
        }
        catch (TinyMLOps.Web.Hosting.ServeConfigurationException e)
        {
            foreach (string problem in e.Problems)
            {
                console.MarkupLineInterpolated($"[red]configuration:[/] {problem}");
            }

            return ExitUsage;
        }
        catch (Exception e) when (Unreachable.IsUnreachable(e))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {Unreachable.Describe(e)}");
            Trace(console, e, verbose);
            return ExitUnreachable;
        }
        catch (Exception e) when (UserError.IsUserError(e))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            Trace(console, e, verbose);
            return ExitFailure;
        }
        catch (Exception e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.GetType().Name}: {e.Message}{(verbose ? string.Empty : " (--verbose prints the stack trace)")}");
            Trace(console, e, verbose);
            return ExitFailure;
        }
    }

    private static void Trace(IAnsiConsole console, Exception e, bool verbose)
    {
        if (verbose)
        {
            console.WriteLine(e.ToString());
        }
    }
}
