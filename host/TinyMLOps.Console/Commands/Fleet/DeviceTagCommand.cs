using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Devices;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`device tag ID --add T --remove T`: change a device's tags (removals first); without options, list them.</summary>
internal static class DeviceTagCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string>("id") { Description = "device id" };
        var add = new Option<string[]>("--add") { Description = "a tag to add (repeatable): 1-64 of letters, digits and . _ : = - (outdoor, site=berlin)", AllowMultipleArgumentsPerToken = false };
        var remove = new Option<string[]>("--remove") { Description = "a tag to remove (repeatable)" };
        var output = JsonOutput.Option();
        var command = new Command("tag", "Add or remove a device's tags (at most 32); rollouts and rounds select cohorts by them") { id, add, remove, db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            string device = parse.GetValue(id)!;
            string[] adding = parse.GetValue(add) ?? [];
            string[] removing = parse.GetValue(remove) ?? [];
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var directory = new DeviceDirectory(store);
            var tags = adding.Length + removing.Length == 0
                ? await ExistingTagsAsync(store, directory, device, ct)
                : await directory.TagAsync(device, adding, removing, ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { deviceId = device, tags });
                return 0;
            }

            console.MarkupLineInterpolated($"{device}: {(tags.Count == 0 ? "no tags" : string.Join(' ', tags))}");
            return 0;
        });
        return command;
    }

    private static async Task<IReadOnlyList<string>> ExistingTagsAsync(TinyMLOps.Fleet.Store.IFleetStore store, DeviceDirectory directory, string device, CancellationToken ct) =>
        await store.GetDeviceAsync(device, ct) == null
            ? throw new ArgumentException($"no device '{device}' in the registry (see `tinymlops fleet ls`)")
            : await directory.TagsAsync(device, ct);
}
