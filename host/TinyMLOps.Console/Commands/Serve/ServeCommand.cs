using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Console.Commands.Serve;

/// <summary>`serve`: the host worker as a Generic Host service, until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    /// <param name="tasks">The shipped tasks (the catalogue's): `serve` gates each task's rounds on its data, and needs no simulation to know them.</param>
    public static Command Build(IAnsiConsole console, IReadOnlyList<TaskDefinition> tasks)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var port = new Option<int>("--port") { Description = "port of the embedded broker", DefaultValueFactory = _ => 1883 };
        var broker = new Option<string?>("--broker") { Description = "host:port of an external broker (mosquitto, EMQX, HiveMQ) instead of the embedded one" };
        var tls = new Option<bool>("--tls") { Description = "TLS to the external broker" };
        var ca = new Option<string?>("--ca") { Description = "PEM file of the CA of the external broker" };
        var user = new Option<string?>("--username") { Description = "MQTT user name of this worker" };
        var password = new Option<string?>("--password") { Description = $"MQTT password of this worker (also the host credential of the embedded broker); visible in the process list: prefer --password-file or {HostSecret.Variable}" };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = $"a file holding the worker's MQTT password (else --password, else the environment variable {HostSecret.Variable})" };
        var worker = new Option<string>("--worker-id") { Description = "client id of this worker (unique per worker)", DefaultValueFactory = _ => "tinymlops-host-1" };
        var fleet = new Option<string>("--fleet") { Description = "fleet to serve, + for all", DefaultValueFactory = _ => "+" };
        var shared = new Option<bool>("--shared") { Description = "MQTT 5 shared subscription: several workers split the fleet (use PostgreSQL)" };
        var credentials = new Option<bool>("--require-credentials") { Description = "embedded broker: devices log in with their provisioned secret" };
        var listen = new Option<string>("--listen") { Description = "embedded broker: address to listen on, 0.0.0.0 for boards on the LAN (needs --require-credentials and a host password)", DefaultValueFactory = _ => "127.0.0.1" };
        var registry = new Option<string?>("--registry")
        {
            Description = $"variant registry folder: run the staged rollouts (default: ${RegistryOption.Variable}; needs ${TinyMLOps.Fleet.Security.DeviceKeys.EnvironmentVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(RegistryOption.Variable) is { Length: > 0 } v ? v : null,
        };
        var taskData = new Option<string[]>("--task-data")
        {
            Description = $"TASK=PATH: the data folder of a task ({string.Join(", ", tasks.Select(t => t.Id))}) whose held-out split gates the release of its federated rounds; repeatable (also configuration {TaskDataSection}:TASK; default: the task's own source)",
            AllowMultipleArgumentsPerToken = false,
        };
        var http = new Option<string?>("--http") { Description = "address of the REST API and web console, http(s)://IP:PORT (default http://127.0.0.1:8080); 'off' turns HTTP off" };
        var config = new Option<string?>("--config") { Description = "settings file (default: appsettings.json in the working directory, if there); see appsettings.example.json" };
        var printConfig = new Option<bool>("--print-config") { Description = "print the effective settings as JSON, secrets redacted, and exit" };
        var command = new Command("serve", "Run the host service: broker, ingest, acks, commands, rollouts, the REST API and the web console")
        {
            db, pg, port, broker, tls, ca, user, password, passwordFile, worker, fleet, shared, credentials, listen, registry, taskData, http, config, printConfig,
        };
        command.SetAction(async (parse, ct) =>
        {
            // Only flags the user typed override the configuration; defaults come from SyncOptions and HttpOptions.
            var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            void Set<T>(Option<T> option, string key, Func<T, string?>? text = null)
            {
                if (parse.GetResult(option) is { Implicit: false })
                {
                    T value = parse.GetValue(option)!;
                    flags[$"{ServeSettings.Section}:{key}"] = text != null ? text(value) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            Set(db, nameof(SyncOptions.SqlitePath));
            Set(pg, nameof(SyncOptions.PostgresConnectionString));
            Set(port, nameof(SyncOptions.BrokerPort));
            Set(tls, nameof(SyncOptions.UseTls));
            Set(ca, nameof(SyncOptions.CaCertificatePath));
            Set(user, nameof(SyncOptions.Username));
            Set(password, nameof(SyncOptions.Password));
            Set(passwordFile, "PasswordFile", f => f?.FullName);
            Set(worker, nameof(SyncOptions.WorkerId));
            Set(fleet, nameof(SyncOptions.Fleet));
            Set(shared, nameof(SyncOptions.SharedSubscription));
            Set(credentials, nameof(SyncOptions.RequireDeviceCredentials));
            Set(listen, nameof(SyncOptions.BrokerListenAddress));
            Set(registry, nameof(SyncOptions.VariantRegistryPath));
            Set(http, "Http:Url", v => string.Equals(v, "off", StringComparison.OrdinalIgnoreCase) ? string.Empty : v);
            if (parse.GetValue(broker) is { } external)
            {
                (string brokerHost, int brokerPort) = FleetOptions.ParseBroker(external);
                flags[$"{ServeSettings.Section}:{nameof(SyncOptions.BrokerHost)}"] = brokerHost;
                flags[$"{ServeSettings.Section}:{nameof(SyncOptions.BrokerPort)}"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                flags[$"{ServeSettings.Section}:{nameof(SyncOptions.EmbeddedBroker)}"] = "false";
            }

            if (parse.GetValue(password) != null && parse.GetValue(passwordFile) != null)
            {
                throw new ServeConfigurationException(["give the host password once: --password-file or --password, not both"]);
            }

            foreach ((string task, string folder) in ParseTaskData(parse.GetValue(taskData) ?? [], tasks))
            {
                flags[$"{TaskDataSection}:{task}"] = folder;
            }

            IConfigurationRoot configuration = ServeConfiguration.Build(parse.GetValue(config), flags, Environment.GetEnvironmentVariable);
            ServeSettings settings = ServeSettings.Load(configuration);
            if (parse.GetValue(printConfig))
            {
                console.Profile.Out.Writer.WriteLine(settings.Redacted().ToJsonString(ServeJson.Printed));
                return 0;
            }

            SyncOptions options = settings.Sync;
            console.MarkupLineInterpolated($"[bold]tinymlops serve[/]: {(options.EmbeddedBroker ? $"embedded broker on {options.BrokerListenAddress}:{options.BrokerPort}" : $"broker {options.BrokerHost}:{options.BrokerPort}")}, store {(options.PostgresConnectionString == null ? options.SqlitePath : "PostgreSQL")}. Ctrl+C stops.");
            using var host = ServeApp.Build(settings, tasks, configuration);
            await host.StartAsync(ct);
            if (ServeApp.HttpAddress(host) is { } address)
            {
                console.MarkupLineInterpolated($"API and web console on [link]{address}[/] (API: {address}api/v1, key from `tinymlops apikey create`)");
            }

            await host.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>Configuration section of the per-task data folders (TinyMLOps:TaskData:TASK = PATH).</summary>
    public const string TaskDataSection = "TinyMLOps:TaskData";

    /// <summary>--task-data TASK=PATH entries; a task named twice or not at all gets one clear line.</summary>
    public static Dictionary<string, string> ParseTaskData(IEnumerable<string> entries, IReadOnlyList<TaskDefinition> tasks)
    {
        string ids = string.Join(", ", tasks.Select(t => t.Id));
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string entry in entries)
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == entry.Length - 1)
            {
                throw new ArgumentException($"--task-data '{entry}' is not TASK=PATH (tasks: {ids})");
            }

            string name = entry[..eq].Trim();
            string task = tasks.FirstOrDefault(t => string.Equals(t.Id, name, StringComparison.OrdinalIgnoreCase))?.Id
                ?? throw new ArgumentException($"no task '{name}' (tasks: {ids})");
            if (!folders.TryAdd(task, entry[(eq + 1)..].Trim()))
            {
                throw new ArgumentException($"--task-data names task {task} twice");
            }
        }

        return folders;
    }
}
