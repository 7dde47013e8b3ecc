using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`fleet ls|consent|telemetry`: the device registry; and what the fleet verbs and the demo share.</summary>
internal static class FleetCommand
{
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(3);

    public static Command Build(IAnsiConsole console) =>
        new("fleet", "The device registry") { FleetListCommand.Build(console), FleetConsentCommand.Build(console), FleetTelemetryCommand.Build(console) };

    public static string Describe(IFleetStore store, string db) => TinyMLOps.Web.Queries.StatusQuery.Describe(store, db);
}
