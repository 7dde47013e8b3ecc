using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Provision;
using TinyMLOps.Fleet.Flashing;
using TinyMLOps.Modelling;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Console.Commands.Flash;

/// <summary>
/// `flash`: nanoCLR, the application image and the device's configuration onto a board with nanoff (the logic is
/// <see cref="Flasher"/>; flash.ps1 wraps this verb).
/// </summary>
internal static class FlashCommand
{
    /// <summary>Where Visual Studio's nanoFramework build puts the app (nanoFramework projects have no TFM subfolder).</summary>
    public const string DefaultAppDirectory = "firmware/APP/bin/Release";

    /// <param name="environment">Variables the child processes (nanoff, dotnet) get instead of this process's, PATH included; null for none.</param>
    public static Command Build(IAnsiConsole console, IReadOnlyDictionary<string, string>? environment = null)
    {
        var board = new Option<string>("--board") { Description = "board profile id (boards/*.json), e.g. esp32-devkitc", Required = true };
        var port = new Option<string>("--port") { Description = "serial port of the board (COM5, /dev/ttyUSB0); on STM32 the ST-LINK virtual COM port, used for the configuration", Required = true };
        var device = new Option<string>("--device-id") { Description = "the provisioned device whose configuration is deployed", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "print every command without running anything" };
        var configDir = new Option<string>("--config-dir") { Description = "provision's output folder (holds DEVICE-ID/tinymlops.cfg)", DefaultValueFactory = _ => ProvisionCommand.DefaultOutput };
        var appDir = new Option<string?>("--app-dir") { Description = $"build output of the device app with the .pe files (default: {DefaultAppDirectory} of this checkout, APP being TinyMLOps.Firmware.App on ESP32 and TinyMLOps.Firmware.App.Stm32 on STM32)" };
        var nanoff = new Option<string?>("--nanoff") { Description = "nanoff to run (default: nanoff on PATH, installed with `dotnet tool install -g nanoff` when missing)" };
        var syntax = new Option<string>("--nanoff-syntax")
        {
            Description = "nanoff's command line: classic (nanoff 2.x: --update, --deploy, --filedeployment) or verbs (nanoff flash / nanoff deploy)",
            DefaultValueFactory = _ => "classic",
        };
        syntax.AcceptOnlyFromAmong("classic", "verbs");
        var command = new Command("flash", "Flash a board with nanoff: nanoCLR for its target, the application image, and the device's configuration")
        {
            board, port, device, dryRun, configDir, appDir, nanoff, syntax,
        };
        command.SetAction(async (parse, ct) =>
        {
            BoardProfile profile = Board(parse.GetValue(board)!);
            string id = parse.GetValue(device)!;
            var runner = new NanoffRunner(environment);
            var flasher = new Flasher(runner, parse.GetValue(nanoff));
            var request = new FlashRequest(profile, parse.GetValue(port)!, id, Path.Combine(parse.GetValue(configDir)!, id), parse.GetValue(appDir) ?? FindAppDirectory(profile))
            {
                Syntax = parse.GetValue(syntax) == "verbs" ? NanoffSyntax.Verbs : NanoffSyntax.Classic,
            };
            FlashPlan plan = flasher.Plan(request);
            if (parse.GetValue(dryRun))
            {
                return DryRun(console, flasher, plan);
            }

            console.MarkupLineInterpolated($"[bold]flash[/] {profile.Id} ({profile.NanoffTarget}) on {request.Port} as {id}");
            try
            {
                await flasher.RunAsync(plan, new ConsoleLog(console), ct);
            }
            catch (FlashStepException e)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Summary} Its output is above.");
                console.MarkupLine("The steps before this one are done; fix the cause and run flash again.");
                if (request.Syntax == NanoffSyntax.Classic && e.Result.Output.Any(l => l.Contains("verb", StringComparison.OrdinalIgnoreCase)))
                {
                    console.MarkupLine("This nanoff seems to expect verbs (nanoff flash / nanoff deploy): try [bold]--nanoff-syntax verbs[/].");
                }

                return 1;
            }

            foreach (string note in plan.Notes)
            {
                console.MarkupLineInterpolated($"[yellow]note:[/] {note}");
            }

            console.MarkupLineInterpolated($"[green]flashed[/] {id}: the board restarts into the app; watch `tinymlops fleet ls` for its hello.");
            return 0;
        });
        return command;
    }

    private static int DryRun(IAnsiConsole console, Flasher flasher, FlashPlan plan)
    {
        IReadOnlyList<string>? parts = null;
        try
        {
            parts = DeploymentImage.FindParts(plan.Request.AppDirectory, plan.Request.Board.AppProject);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
        }

        // straight to the output, unwrapped, so that every command pastes as one line
        TextWriter output = console.Profile.Out.Writer;
        output.WriteLine($"# dry run: flash {plan.Board.Id} ({plan.Board.NanoffTarget}) on {plan.Request.Port} as {plan.Request.DeviceId}; nothing is run");
        output.Write(plan.Describe(parts));
        foreach (string missing in flasher.Problems(plan))
        {
            output.WriteLine($"# not ready: {missing}");
        }

        output.Flush();

        return 0;
    }

    private static BoardProfile Board(string id) => BoardCatalog.Default.TryGet(id, out BoardProfile? b)
        ? b
        : throw new ArgumentException($"unknown board '{id}'; known boards: {string.Join(", ", BoardCatalog.Default.All.Select(x => x.Id))}");

    /// <summary>The app's Release output in this checkout (found walking up from the binaries or the current folder), else the relative default.</summary>
    private static string FindAppDirectory(BoardProfile board) =>
        RepositoryFiles.FindDirectory($"firmware/{board.AppProject}", _ => true) is { } project
            ? Path.Combine(project, "bin", "Release")
            : DefaultAppDirectory.Replace("APP", board.AppProject, StringComparison.Ordinal);

    private sealed class ConsoleLog(IAnsiConsole console) : IFlashLog
    {
        public void Step(int number, string description, string? commandLine)
        {
            console.MarkupLineInterpolated($"[bold]{number}.[/] {description}");
            if (commandLine != null)
            {
                console.MarkupLineInterpolated($"   [grey]{commandLine}[/]");
            }
        }

        public void Output(string line) => console.MarkupLineInterpolated($"   [grey]│[/] {line}");
    }
}
