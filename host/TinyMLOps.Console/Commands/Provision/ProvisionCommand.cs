using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Provisioning;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Modelling;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Console.Commands.Provision;

/// <summary>`provision`: a device's identity, keys, registration and configuration file (the logic is <see cref="Provisioner"/>).</summary>
internal static class ProvisionCommand
{
    public const string DefaultOutput = "provisioned";

    /// <param name="environment">Variables that replace this process's when the master key is looked up; null for none.</param>
    public static Command Build(IAnsiConsole console, IReadOnlyDictionary<string, string>? environment = null)
    {
        var defaults = new ProvisionRequest("", "", "", "");
        var board = new Option<string>("--board") { Description = "board profile id (boards/*.json), e.g. esp32-devkitc", Required = true };
        var device = new Option<string>("--device-id") { Description = "device id: 1 to 32 of A-Z a-z 0-9 . _ -", Required = true };
        var fleet = new Option<string>("--fleet") { Description = "fleet the device belongs to", Required = true };
        var host = new Option<string>("--broker-host") { Description = "host name or address of the MQTT broker as the device reaches it", Required = true };
        var port = new Option<int>("--broker-port") { Description = "broker port", DefaultValueFactory = _ => defaults.BrokerPort };
        var tls = new Option<bool>("--tls") { Description = "TLS to the broker (needs --ca)" };
        var ca = new Option<string?>("--ca") { Description = "PEM file of the broker's CA, deployed as ca.pem" };
        var ssid = new Option<string?>("--wifi-ssid") { Description = "Wi-Fi network (ESP32 boards); STM32 boards use Ethernet" };
        var password = new Option<string?>("--wifi-password") { Description = "Wi-Fi passphrase" };
        var output = new Option<string>("--out", "-o") { Description = "output folder; the device's files go to OUT/DEVICE-ID", DefaultValueFactory = _ => DefaultOutput };
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var masterKey = new Option<string?>("--master-key")
        {
            Description = $"the fleet's artifact master key, hex or base64 (default: as serve finds it: {DeviceKeys.ConfigurationKey} in appsettings.json or the environment, else ${DeviceKeys.EnvironmentVariable})",
        };
        var force = new Option<bool>("--force") { Description = "provision a registered device again: rotates its MQTT secret (flash it again afterwards)" };
        var heartbeat = new Option<int>("--heartbeat") { Description = "seconds between heartbeats", DefaultValueFactory = _ => defaults.HeartbeatSeconds };
        var sleep = new Option<int>("--sleep") { Description = "ESP32 on battery: deep sleep this many seconds between sync windows (0: never sleep)", DefaultValueFactory = _ => defaults.SleepSeconds };
        var window = new Option<int>("--sync-window") { Description = "seconds the device stays awake to sync before sleeping again", DefaultValueFactory = _ => defaults.SyncWindowSeconds };
        var sensor = new Option<string>("--sensor") { Description = "sample source: samples (replay I:\\samples.bin) or adc:PIN", DefaultValueFactory = _ => defaults.Sensor };
        var consent = new Option<string>("--consent")
        {
            Description = "consent to optional uploads, CATEGORY:SETTING,... with categories drift, learning, telemetry and settings off, on, wifi, charging, ask (unnamed categories keep the default)",
            DefaultValueFactory = _ => defaults.Consent,
        };
        var allowPlain = new Option<bool>("--allow-plain-models") { Description = "let the device also load plain (unsealed) models with a valid per-device tag; by default it takes sealed models only" };
        var command = new Command("provision", "Create a device's identity and keys, register it, and write the configuration that flash deploys to it")
        {
            board, device, fleet, host, port, tls, ca, ssid, password, output, db, pg, masterKey, force, heartbeat, sleep, window, sensor, consent, allowPlain,
        };
        command.SetAction(async (parse, ct) =>
        {
            Provisioner.Board(BoardCatalog.Default, parse.GetValue(board)!); // an unusable board is refused before anything is read, opened or written
            var keys = parse.GetValue(masterKey) is { Length: > 0 } given
                ? DeviceKeys.Parse(given)
                : Provisioner.MasterKey(EnvironmentVariables.Current(environment), Directory.GetCurrentDirectory())
                    ?? throw new ArgumentException(
                        $"provisioning derives the device's artifact key from the fleet master key, and there is none: pass --master-key, set {DeviceKeys.EnvironmentVariable}, or {DeviceKeys.ConfigurationKey} in appsettings.json (the same key serve uses)");
            var request = new ProvisionRequest(parse.GetValue(board)!, parse.GetValue(device)!, parse.GetValue(fleet)!, parse.GetValue(host)!)
            {
                BrokerPort = parse.GetValue(port),
                Tls = parse.GetValue(tls),
                CaFile = parse.GetValue(ca),
                WifiSsid = parse.GetValue(ssid),
                WifiPassword = parse.GetValue(password),
                OutputDirectory = parse.GetValue(output)!,
                Force = parse.GetValue(force),
                HeartbeatSeconds = parse.GetValue(heartbeat),
                SleepSeconds = parse.GetValue(sleep),
                SyncWindowSeconds = parse.GetValue(window),
                Sensor = parse.GetValue(sensor)!,
                Consent = parse.GetValue(consent)!,
                SealedOnly = !parse.GetValue(allowPlain),
            };

            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            ProvisionResult result = await new Provisioner(store, keys, BoardCatalog.Default).ProvisionAsync(request, ct);
            var c = result.Config;
            if (result.Rotated)
            {
                console.MarkupLineInterpolated($"[yellow]re-provisioned[/] {c.DeviceId}: its MQTT secret is rotated; the configuration on the board no longer logs in until you flash it again");
            }

            console.MarkupLineInterpolated($"[green]provisioned[/] {c.DeviceId} ({c.Board}) in fleet {c.Fleet}: registered with a new MQTT secret (the store keeps only its hash)");
            console.MarkupLineInterpolated($"  configuration {result.ConfigPath}{(result.CaPath != null ? $" and {result.CaPath}" : "")}");
            console.MarkupLineInterpolated($"  broker {c.BrokerHost}:{c.BrokerPort}{(c.BrokerTls ? " over TLS" : "")}, network {c.Network}{(c.WifiSsid.Length > 0 ? $" ({c.WifiSsid})" : "")}, pins LED {c.StatusLedPin} / power {c.PowerDetectPin} / battery {c.BatteryAdcPin}");
            console.MarkupLineInterpolated($"  consent {c.Consent}");
            console.MarkupLineInterpolated($"  next: tinymlops flash --board {c.Board} --port PORT --device-id {c.DeviceId}{(request.OutputDirectory != DefaultOutput ? $" --config-dir {request.OutputDirectory}" : "")}");
            return 0;
        });
        return command;
    }
}
