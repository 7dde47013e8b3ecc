using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Drift;

namespace TinyMLOps.Console.Commands.Drift;

/// <summary>`drift report|plot`: drift of a device, a cohort or a fleet from the stored windows, against the variants' reference profiles; and the selection both take.</summary>
internal static class DriftCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var drift = new Command("drift", "Data drift from the devices' histogram windows (no raw inputs leave the devices)");
        drift.Subcommands.Add(DriftReportCommand.Build(console));
        drift.Subcommands.Add(DriftPlotCommand.Build(console));
        return drift;
    }

    public sealed record Selection(Option<string?> Fleet, Option<string?> Cohort, Option<string?> Device, Option<string> Registry, Option<string> Db, Option<string?> Postgres);

    public static Selection SelectionOptions() => new(
        new Option<string?>("--fleet") { Description = "every cohort of this fleet" },
        new Option<string?>("--cohort") { Description = "fleet/board/variant/firmware, * for any board or firmware (e.g. lab/*/cnn-w1/*)" },
        new Option<string?>("--device") { Description = "one device" },
        RegistryOption.Create("variant registry with the reference profiles"),
        FleetOptions.Db(),
        FleetOptions.Postgres());

    public static void AddTo(Command command, Selection s)
    {
        command.Options.Add(s.Fleet);
        command.Options.Add(s.Cohort);
        command.Options.Add(s.Device);
        command.Options.Add(s.Registry);
        command.Options.Add(s.Db);
        command.Options.Add(s.Postgres);
    }

    public static CohortKey ParseCohort(string spec) => DriftQueries.ParseCohort(spec);

    public static DriftProfiles Profiles(string registry) => DriftQueries.Profiles(registry);
}
