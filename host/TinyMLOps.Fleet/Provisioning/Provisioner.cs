using Microsoft.Extensions.Configuration;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Fleet.Provisioning;

/// <summary>What to provision: the device, its board and fleet, its broker and its network.</summary>
public sealed record ProvisionRequest(string Board, string DeviceId, string Fleet, string BrokerHost)
{
    public int BrokerPort { get; init; } = 1883;

    /// <summary>TLS to the broker; needs <see cref="CaFile"/>.</summary>
    public bool Tls { get; init; }

    /// <summary>PEM file of the broker's CA, deployed as ca.pem.</summary>
    public string? CaFile { get; init; }

    /// <summary>The broker's CA as PEM text (the HTTP API's form of <see cref="CaFile"/>).</summary>
    public string? CaPem { get; init; }

    /// <summary>Required on ESP32 boards; an STM32 board without it uses Ethernet.</summary>
    public string? WifiSsid { get; init; }

    public string? WifiPassword { get; init; }

    /// <summary>provision's output folder; the device's files go to OutputDirectory/DeviceId.</summary>
    public string OutputDirectory { get; init; } = "provisioned";

    /// <summary>Re-provision a device that is registered or has a configuration already (its secret is rotated).</summary>
    public bool Force { get; init; }

    public int HeartbeatSeconds { get; init; } = 60;

    public int SleepSeconds { get; init; }

    public int SyncWindowSeconds { get; init; } = 60;

    public string Sensor { get; init; } = ProvisionedConfig.SensorSamples;

    /// <summary>Consent to optional uploads, "category:setting" pairs (docs/firmware.md); categories not named keep the default.</summary>
    public string Consent { get; init; } = TinyMLOps.Shared.Protocol.UploadConsent.DefaultText;

    /// <summary>The device takes sealed models only (the host always seals what it delivers).</summary>
    public bool SealedOnly { get; init; } = true;
}

/// <summary>What provisioning made.</summary>
/// <param name="Config">The configuration written (its MQTT password is the device secret).</param>
/// <param name="ConfigPath">DIR/DEVICE-ID/tinymlops.cfg.</param>
/// <param name="CaPath">DIR/DEVICE-ID/ca.pem when TLS, else null.</param>
/// <param name="Rotated">The device was registered before: its old secret no longer logs in.</param>
public sealed record ProvisionResult(ProvisionedConfig Config, string ConfigPath, string? CaPath, bool Rotated);

/// <summary>What a device's flash needs, in memory: its configuration, the encoded configuration file and the CA (PEM) when TLS.</summary>
/// <param name="Rotated">The device was registered before: its old secret no longer logs in.</param>
public sealed record ProvisionBundle(ProvisionedConfig Config, byte[] File, string? CaPem, bool Rotated);

/// <summary>
/// Creates a device's identity and keys, registers it, and writes the configuration that flash deploys to the
/// device's drive: a new MQTT secret (128 random bits; the store keeps only its salted hash, the device gets the
/// secret in its configuration), the artifact key derived from the fleet master key (<see cref="DeviceKeys"/>), the
/// board's pins from its profile, and the broker and network settings. Everything is checked before anything is
/// written; re-provisioning a known device needs <see cref="ProvisionRequest.Force"/> because it rotates the secret.
/// </summary>
public sealed class Provisioner
{
    private readonly IFleetStore _store;
    private readonly DeviceKeys _keys;
    private readonly BoardCatalog _boards;

    public Provisioner(IFleetStore store, DeviceKeys keys, BoardCatalog boards)
    {
        _store = store;
        _keys = keys;
        _boards = boards;
    }

    /// <summary>
    /// The fleet master key the way `serve` finds it: configuration value TinyMLOps:ArtifactMasterKey (appsettings.json in
    /// <paramref name="directory"/>, or the environment variable TinyMLOps__ArtifactMasterKey), else the environment variable
    /// TINYMLOPS_ARTIFACT_MASTER_KEY; null when neither is set.
    /// </summary>
    public static DeviceKeys? MasterKey(IReadOnlyDictionary<string, string> environment, string directory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        IConfigurationRoot configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Path.GetFullPath(directory), "appsettings.json"), optional: true)
            .AddInMemoryCollection(environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();
        string? text = configuration[DeviceKeys.ConfigurationKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            text = environment.TryGetValue(DeviceKeys.EnvironmentVariable, out string? v) ? v : null;
        }

        return string.IsNullOrWhiteSpace(text) ? null : DeviceKeys.Parse(text);
    }

    /// <summary>
    /// The board to provision for: known to the catalog and <see cref="BoardProfile.Deployable"/>. Reads and writes
    /// nothing, so `provision` checks it before it opens the store.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown board, or one the application cannot go onto (the message gives the profile's reason).</exception>
    public static BoardProfile Board(BoardCatalog boards, string id)
    {
        ArgumentNullException.ThrowIfNull(boards);
        if (!boards.TryGet(id, out BoardProfile? board))
        {
            throw new ArgumentException($"unknown board '{id}'; known boards: {string.Join(", ", boards.All.Select(b => b.Id))}");
        }

        return board.NotDeployable is { } refused ? throw new ArgumentException($"cannot provision: {refused}") : board;
    }

    /// <summary>The settings of a --consent value (unnamed categories keep the default), or ArgumentException listing its problems.</summary>
    private static int[] ParseConsent(string text)
    {
        var problems = new System.Collections.ArrayList();
        return TinyMLOps.Shared.Protocol.UploadConsent.Parse(text, ConfigFile.ConsentKey, problems)
            ?? throw new ArgumentException($"cannot provision with this consent: {string.Join("; ", problems.Cast<string>())}");
    }

    /// <summary>
    /// Provisions a device without writing files (for the HTTP API): registers it and returns its configuration, the
    /// encoded file and the CA to deploy. The CA comes from <see cref="ProvisionRequest.CaPem"/> or <see cref="ProvisionRequest.CaFile"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="ProvisionAsync"/>.</exception>
    /// <exception cref="InvalidOperationException">The device exists and <see cref="ProvisionRequest.Force"/> is not set.</exception>
    public async Task<ProvisionBundle> IssueAsync(ProvisionRequest request, CancellationToken cancellationToken = default)
    {
        (ProvisionBundle bundle, string secret) = await PrepareAsync(request, cancellationToken).ConfigureAwait(false);
        await RegisterAsync(request, bundle.Config.Board, secret, cancellationToken).ConfigureAwait(false);
        return bundle;
    }

    /// <exception cref="ArgumentException">Unknown board, a board that is not deployable, an invalid id or setting (every problem listed), TLS without a CA.</exception>
    /// <exception cref="InvalidOperationException">The device exists and <see cref="ProvisionRequest.Force"/> is not set.</exception>
    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default)
    {
        (ProvisionBundle bundle, string secret) = await PrepareAsync(request, cancellationToken).ConfigureAwait(false);
        string folder = Path.GetFullPath(Path.Combine(request.OutputDirectory, request.DeviceId));
        string configPath = Path.Combine(folder, ProvisionedConfig.FileName);
        if (!request.Force && File.Exists(configPath))
        {
            throw new InvalidOperationException($"{configPath} exists; --force replaces it (and rotates the device's MQTT secret)");
        }

        await RegisterAsync(request, bundle.Config.Board, secret, cancellationToken).ConfigureAwait(false);

        Directory.CreateDirectory(folder);
        WritePrivate(configPath, bundle.File);
        string caPath = Path.Combine(folder, ProvisionedConfig.CaFileName);
        if (bundle.CaPem != null)
        {
            await File.WriteAllTextAsync(caPath, bundle.CaPem, cancellationToken).ConfigureAwait(false);
        }
        else if (File.Exists(caPath))
        {
            File.Delete(caPath); // a re-provisioned device without TLS must not get a stale CA deployed
        }

        return new ProvisionResult(bundle.Config, configPath, bundle.CaPem != null ? caPath : null, bundle.Rotated);
    }

    /// <summary>Checks everything and builds the configuration with a new secret; refuses a registered device without Force. Writes nothing.</summary>
    private async Task<(ProvisionBundle Bundle, string Secret)> PrepareAsync(ProvisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        BoardProfile board = Board(_boards, request.Board);
        if (board.Flash.ConfigDrive == null)
        {
            throw new ArgumentException($"{board.Id} has no file system in nanoFramework's build for {board.NanoffTarget}, so a configuration cannot reach it (and it has no network to sync over): nothing to provision");
        }

        string network = Network(board, request);
        string? ca = request.Tls ? ReadCa(request) : request.CaFile == null && request.CaPem == null
            ? null
            : throw new ArgumentException("--ca is the broker's CA for TLS: pass --tls as well");

        string secret = DeviceCredentials.NewSecret();
        var config = new ProvisionedConfig
        {
            DeviceId = request.DeviceId,
            Fleet = request.Fleet,
            Board = board.Id,
            Network = network,
            WifiSsid = request.WifiSsid ?? string.Empty,
            WifiPassword = request.WifiPassword ?? string.Empty,
            BrokerHost = request.BrokerHost,
            BrokerPort = request.BrokerPort,
            BrokerTls = request.Tls,
            MqttUsername = request.DeviceId,
            MqttPassword = secret,
            ArtifactKey = string.IsNullOrEmpty(request.DeviceId) ? new byte[ProvisionedConfig.ArtifactKeyLength] : _keys.For(request.DeviceId),
            StatusLedPin = board.Pins.StatusLed,
            PowerDetectPin = board.Pins.PowerDetect,
            BatteryAdcPin = board.Pins.BatteryAdc,
            HeartbeatSeconds = request.HeartbeatSeconds,
            SleepSeconds = request.SleepSeconds,
            SyncWindowSeconds = request.SyncWindowSeconds,
            Sensor = request.Sensor,
            Consent = TinyMLOps.Shared.Protocol.UploadConsent.Format(ParseConsent(request.Consent)),
            RequireSealedModels = request.SealedOnly,
        };
        string[] problems = ConfigFile.Validate(config);
        if (problems.Length > 0)
        {
            throw new ArgumentException($"cannot provision {request.DeviceId}: {string.Join("; ", problems)}");
        }

        DeviceRecord? existing = await _store.GetDeviceAsync(request.DeviceId, cancellationToken).ConfigureAwait(false);
        if (!request.Force && existing != null)
        {
            throw new InvalidOperationException(
                $"device {request.DeviceId} is already registered (fleet {existing.Fleet}, board {existing.Board}); --force provisions it again with a new MQTT secret, so the configuration on the board stops logging in until it is flashed again");
        }

        return (new ProvisionBundle(config, ConfigFile.Encode(config), ca, existing != null), secret);
    }

    private Task RegisterAsync(ProvisionRequest request, string board, string secret, CancellationToken cancellationToken) =>
        _store.RegisterDeviceAsync(new DeviceRegistration(request.DeviceId, request.Fleet, board, DeviceCredentials.Hash(secret)), cancellationToken);

    /// <summary>wifi when an SSID is given or the board is an ESP32 (which has no Ethernet); ethernet for STM32 boards without one.</summary>
    private static string Network(BoardProfile board, ProvisionRequest request)
    {
        if (!string.IsNullOrEmpty(request.WifiSsid))
        {
            return board.Platform == "esp32"
                ? ProvisionedConfig.NetworkWifi
                : throw new ArgumentException($"{board.Id} has no Wi-Fi in nanoFramework's build; it connects over Ethernet: leave out --wifi-ssid");
        }

        return board.Platform == "esp32"
            ? throw new ArgumentException($"{board.Id} connects over Wi-Fi: pass --wifi-ssid (and --wifi-password)")
            : ProvisionedConfig.NetworkEthernet;
    }

    private static string ReadCa(ProvisionRequest request)
    {
        if (request.CaPem != null)
        {
            return request.CaPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? request.CaPem
                : throw new ArgumentException("the CA is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)");
        }

        string? path = request.CaFile;
        if (path == null)
        {
            throw new ArgumentException("--tls needs --ca FILE, the broker's CA certificate (PEM), which the device checks the broker against");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no CA certificate at {Path.GetFullPath(path)}");
        }

        string pem = File.ReadAllText(path);
        return pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? pem
            : throw new InvalidDataException($"{path} is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)");
    }

    /// <summary>The configuration holds the device's secrets: readable by its owner only where the file system says so.</summary>
    private static void WritePrivate(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
