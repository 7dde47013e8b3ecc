using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.ApiKey;

/// <summary>
/// `apikey create|ls|revoke`: API keys for the REST API and the web console, straight on the store (whoever can open
/// the database is its administrator; this is how the first admin key is made).
/// </summary>
internal static class ApiKeyCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var command = new Command("apikey", "API keys of the REST API and web console: create (shown once), list, revoke");
        command.Subcommands.Add(Create(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Revoke(console));
        return command;
    }

    private static Command Create(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var name = new Option<string>("--name") { Description = "who or what holds the key (shown in the audit log)", Required = true };
        var role = new Option<string>("--role") { Description = "viewer (reads), operator (runs rollouts, rounds, tags, quotas) or admin (also keys, audit, decommissioning)", DefaultValueFactory = _ => "viewer" };
        var output = JsonOutput.Option();
        var command = new Command("create", "Create a key; its token is printed once and never stored") { name, role, db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            ApiRole level = ApiKeys.ParseRole(parse.GetValue(role)!);
            await using IFleetStore store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            (ApiKeyRecord record, string token) = ApiKeys.Create(parse.GetValue(name)!, level, "cli:" + Environment.UserName, DateTimeOffset.UtcNow);
            if (!await store.CreateApiKeyAsync(record, ct))
            {
                throw new InvalidOperationException("key id collision; run the command again");
            }

            await store.AppendAuditAsync(new AuditRecord(0, DateTimeOffset.UtcNow, record.CreatedBy, "admin", "apikey create", "/api/v1/keys", 201, $"created key {record.Name} ({record.KeyId}) as {record.Role}", null), ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { keyId = record.KeyId, name = record.Name, role = record.Role, token });
                return 0;
            }

            console.MarkupLineInterpolated($"key [bold]{record.KeyId}[/] ({record.Name}, {record.Role}); its token, shown only now:");
            console.Profile.Out.Writer.WriteLine(token);
            console.MarkupLine("[grey]send it as `Authorization: Bearer TOKEN` to the API, or paste it on the web console's sign-in page[/]");
            return 0;
        });
        return command;
    }

    private static Command List(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var output = JsonOutput.Option();
        var command = new Command("ls", "Every key with its role, creator, last use and revocation (never a secret)") { db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            await using IFleetStore store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            IReadOnlyList<ApiKeyRecord> keys = await store.ListApiKeysAsync(ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { count = keys.Count, keys = keys.Select(k => new { k.KeyId, k.Name, k.Role, k.CreatedAt, k.CreatedBy, k.LastUsedAt, k.RevokedAt, k.RevokedBy }) });
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("key", "name", "role", "created", "by", "last used", "revoked");
            foreach (ApiKeyRecord k in keys)
            {
                table.AddRow(
                    new Text(k.KeyId),
                    new Text(k.Name),
                    new Text(k.Role),
                    new Text(Time(k.CreatedAt)),
                    new Text(k.CreatedBy),
                    new Text(k.LastUsedAt is { } used ? Time(used) : "never"),
                    k.RevokedAt is { } revoked ? new Markup($"[red]{Markup.Escape(Time(revoked))}[/] by {Markup.Escape(k.RevokedBy ?? "?")}") : new Text("-"));
            }

            console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Revoke(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var id = new Argument<string>("key") { Description = "key id (the 8 hex digits after tml_)" };
        var command = new Command("revoke", "Revoke a key: the next request with it gets 401") { id, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using IFleetStore store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string keyId = parse.GetValue(id)!;
            string actor = "cli:" + Environment.UserName;
            if (!await store.RevokeApiKeyAsync(keyId, actor, DateTimeOffset.UtcNow, ct))
            {
                throw new ArgumentException($"no active key {keyId} (see `tinymlops apikey ls`)");
            }

            await store.AppendAuditAsync(new AuditRecord(0, DateTimeOffset.UtcNow, actor, "admin", "apikey revoke", "/api/v1/keys/" + keyId, 204, $"revoked key {keyId}", null), ct);
            console.MarkupLineInterpolated($"revoked key {keyId}");
            return 0;
        });
        return command;
    }

    private static string Time(DateTimeOffset t) => t.ToString("u", CultureInfo.InvariantCulture);
}
