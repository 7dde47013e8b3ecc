using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Tasks;

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
        var metrics = new Option<int>("--metrics-port") { Description = "serve Prometheus metrics on http://127.0.0.1:PORT/metrics", DefaultValueFactory = _ => 0 };
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
        var command = new Command("serve", "Run the host service: broker, ingest, acks, commands, rollouts") { db, pg, port, broker, tls, ca, user, password, passwordFile, worker, fleet, shared, metrics, credentials, listen, registry, taskData };
        command.SetAction(async (parse, ct) =>
        {
            var options = new SyncOptions
            {
                SqlitePath = parse.GetValue(db)!,
                PostgresConnectionString = parse.GetValue(pg),
                BrokerPort = parse.GetValue(port),
                UseTls = parse.GetValue(tls),
                CaCertificatePath = parse.GetValue(ca),
                Username = parse.GetValue(user),
                Password = HostSecret.Resolve(parse.GetValue(password), parse.GetValue(passwordFile), Environment.GetEnvironmentVariable),
                WorkerId = parse.GetValue(worker)!,
                Fleet = parse.GetValue(fleet)!,
                SharedSubscription = parse.GetValue(shared),
                MetricsPort = parse.GetValue(metrics),
                RequireDeviceCredentials = parse.GetValue(credentials),
                BrokerListenAddress = parse.GetValue(listen)!,
                VariantRegistryPath = parse.GetValue(registry),
                TaskData = ParseTaskData(parse.GetValue(taskData) ?? [], tasks),
            };
            if (parse.GetValue(broker) is { } external)
            {
                (options.BrokerHost, options.BrokerPort) = FleetOptions.ParseBroker(external);
                options.EmbeddedBroker = false;
            }

            if (!System.Net.IPAddress.TryParse(options.BrokerListenAddress, out var address))
            {
                throw new ArgumentException($"--listen {options.BrokerListenAddress} is not an IP address");
            }

            if (options.EmbeddedBroker && !System.Net.IPAddress.IsLoopback(address) && (!options.RequireDeviceCredentials || string.IsNullOrEmpty(options.Password)))
            {
                // Off loopback anyone on the network could log in as a device or as a host: refuse rather than warn.
                throw new ArgumentException($"--listen {options.BrokerListenAddress} opens the embedded broker to the network: add --require-credentials (devices log in with their provisioned secret) and a host password ({HostSecret.Variable}, --password-file or --password: the host's own credential)");
            }

            if (options.EmbeddedBroker && options.RequireDeviceCredentials && string.IsNullOrEmpty(options.Password))
            {
                // Devices would need their secret while any local client named tinymlops-host-* could read every uplink.
                throw new ArgumentException($"--require-credentials needs the host's own credential too: set {HostSecret.Variable}, --password-file FILE or --password");
            }

            if (!options.WorkerId.StartsWith(TinyMLOps.Fleet.Broker.BrokerAccessPolicy.HostClientPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"--worker-id must start with '{TinyMLOps.Fleet.Broker.BrokerAccessPolicy.HostClientPrefix}' (the broker's access policy knows hosts by it)");
            }

            console.MarkupLineInterpolated($"[bold]tinymlops serve[/]: {(options.EmbeddedBroker ? $"embedded broker on {options.BrokerListenAddress}:{options.BrokerPort}" : $"broker {options.BrokerHost}:{options.BrokerPort}")}, store {(options.PostgresConnectionString == null ? options.SqlitePath : "PostgreSQL")}. Ctrl+C stops.");
            using var host = BuildHost(options, tasks);
            await host.RunAsync(ct);
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

    /// <param name="tasks">The tasks whose federated rounds the host can gate (none: no round is released).</param>
    public static IHost BuildHost(SyncOptions options, IReadOnlyList<TaskDefinition>? tasks = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        options.ArtifactMasterKey ??= builder.Configuration[TinyMLOps.Fleet.Security.DeviceKeys.ConfigurationKey];
        foreach (IConfigurationSection task in builder.Configuration.GetSection(TaskDataSection).GetChildren())
        {
            // The command line wins over configuration.
            if (!string.IsNullOrWhiteSpace(task.Value))
            {
                options.TaskData.TryAdd(task.Key, task.Value);
            }
        }

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<IRoundDataSource>(services => new TaskRoundData(tasks ?? [], options.TaskData, services.GetRequiredService<ILoggerFactory>().CreateLogger("TinyMLOps.Rounds")));
        builder.Services.AddSingleton<Func<SyncOptions, IFleetStore>>(o => FleetStoreFactory.Open(o.PostgresConnectionString, o.SqlitePath));
        builder.Services.AddHostedService<SyncHostedService>();
        return builder.Build();
    }
}
