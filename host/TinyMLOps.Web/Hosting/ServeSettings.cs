using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Web.Hosting;

/// <summary>
/// Every `serve` setting, bound from the <see cref="Section"/> section of the configuration (appsettings.json, then
/// environment variables, then the command line: see <see cref="ServeConfiguration"/>), with secrets read from files
/// where a *File key names one, and checked at start so a wrong value is one clear line, not a failure later.
/// </summary>
public sealed class ServeSettings
{
    public const string Section = "TinyMLOps";

    /// <summary>Keys of the section that are not properties of <see cref="SyncOptions"/>.</summary>
    private static readonly string[] ExtraKeys = ["Http", "Telemetry", "PasswordFile", "ArtifactMasterKeyFile"];

    private ServeSettings(SyncOptions sync, HttpOptions http, TelemetryOptions telemetry)
    {
        Sync = sync;
        Http = http;
        Telemetry = telemetry;
    }

    public SyncOptions Sync { get; }

    public HttpOptions Http { get; }

    public TelemetryOptions Telemetry { get; }

    /// <summary>Binds and checks the settings; every problem found is in the one <see cref="ServeConfigurationException"/> thrown.</summary>
    public static ServeSettings Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(Section);
        var problems = new List<string>();
        var known = new HashSet<string>(typeof(SyncOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        known.UnionWith(ExtraKeys);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key))
            {
                problems.Add($"{Section}:{child.Key} is not a setting (see appsettings.example.json)");
            }
        }

        var sync = new SyncOptions();
        var http = new HttpOptions();
        var telemetry = new TelemetryOptions();
        try
        {
            section.Bind(sync);
            section.GetSection("Http").Bind(http, o => o.ErrorOnUnknownConfiguration = true);
            section.GetSection("Telemetry").Bind(telemetry, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the type: "Failed to convert configuration value at 'TinyMLOps:BrokerPort' to type 'System.Int32'".
            throw new ServeConfigurationException([e.Message.TrimEnd('.')]);
        }

        ReadSecretFile(section, "PasswordFile", nameof(SyncOptions.Password), sync.Password, v => sync.Password = v, problems);
        ReadSecretFile(section, "ArtifactMasterKeyFile", nameof(SyncOptions.ArtifactMasterKey), sync.ArtifactMasterKey, v => sync.ArtifactMasterKey = v, problems);
        var settings = new ServeSettings(sync, http, telemetry);
        problems.AddRange(settings.Problems());
        return problems.Count == 0 ? settings : throw new ServeConfigurationException(problems);
    }

    /// <summary>Settings made in code (tests, the demo), checked like loaded ones.</summary>
    public static ServeSettings From(SyncOptions sync, HttpOptions? http = null, TelemetryOptions? telemetry = null)
    {
        var settings = new ServeSettings(sync, http ?? new HttpOptions { Url = string.Empty }, telemetry ?? new TelemetryOptions());
        IReadOnlyList<string> problems = settings.Problems();
        return problems.Count == 0 ? settings : throw new ServeConfigurationException(problems);
    }

    /// <summary>What is wrong with these settings (empty when they can run).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        SyncOptions s = Sync;
        if (s.BrokerPort is < 0 or > 65535)
        {
            problems.Add($"{Section}:BrokerPort {s.BrokerPort} is not a TCP port");
        }

        if (!IPAddress.TryParse(s.BrokerListenAddress, out IPAddress? listen))
        {
            problems.Add($"{Section}:BrokerListenAddress '{s.BrokerListenAddress}' is not an IP address");
        }
        else if (s.EmbeddedBroker && !IPAddress.IsLoopback(listen) && (!s.RequireDeviceCredentials || string.IsNullOrEmpty(s.Password)))
        {
            // Off loopback anyone on the network could log in as a device or as a host: refuse rather than warn.
            problems.Add($"the embedded broker on {s.BrokerListenAddress} would be open to the network: set {Section}:RequireDeviceCredentials (--require-credentials) and a host password ({Section}:PasswordFile, TINYMLOPS_HOST_PASSWORD or --password-file)");
        }

        if (s.EmbeddedBroker && s.RequireDeviceCredentials && string.IsNullOrEmpty(s.Password) && (listen == null || IPAddress.IsLoopback(listen)))
        {
            // Devices would need their secret while any local client named tinymlops-host-* could read every uplink.
            problems.Add($"{Section}:RequireDeviceCredentials needs the host's own credential too: set {Section}:PasswordFile, TINYMLOPS_HOST_PASSWORD or --password-file");
        }

        if (!s.WorkerId.StartsWith(BrokerAccessPolicy.HostClientPrefix, StringComparison.Ordinal))
        {
            problems.Add($"{Section}:WorkerId must start with '{BrokerAccessPolicy.HostClientPrefix}' (the broker's access policy knows hosts by it)");
        }

        if (s.MaxBatch < 1)
        {
            problems.Add($"{Section}:MaxBatch must be at least 1");
        }

        if (s.OnlineWindow <= TimeSpan.Zero || s.RolloutInterval <= TimeSpan.Zero || s.CommandResendAfter <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:OnlineWindow, RolloutInterval and CommandResendAfter must be positive");
        }

        if (!string.IsNullOrWhiteSpace(s.ArtifactMasterKey))
        {
            try
            {
                _ = DeviceKeys.FromConfiguration(s.ArtifactMasterKey);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                problems.Add($"{Section}:ArtifactMasterKey: {e.Message}");
            }
        }

        problems.AddRange(HttpProblems());
        if (Telemetry.OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            problems.Add($"{Section}:Telemetry:OtlpProtocol must be grpc or http/protobuf, not '{Telemetry.OtlpProtocol}'");
        }

        if (!string.IsNullOrWhiteSpace(Telemetry.OtlpEndpoint) && !Uri.TryCreate(Telemetry.OtlpEndpoint, UriKind.Absolute, out _))
        {
            problems.Add($"{Section}:Telemetry:OtlpEndpoint '{Telemetry.OtlpEndpoint}' is not an absolute URL");
        }

        return problems;
    }

    /// <summary>The listener's address, or null when HTTP is off.</summary>
    public Uri? HttpUri => string.IsNullOrWhiteSpace(Http.Url) ? null : new Uri(Http.Url);

    /// <summary>The effective settings as JSON, every secret replaced by "(redacted)" (or "(not set)").</summary>
    public JsonObject Redacted()
    {
        var root = (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(Sync, ServeJson.Options)!;
        root["password"] = Mask(Sync.Password);
        root["artifactMasterKey"] = Mask(Sync.ArtifactMasterKey);
        root["postgresConnectionString"] = Sync.PostgresConnectionString is { } pg ? RedactConnectionString(pg) : null;
        root["http"] = System.Text.Json.JsonSerializer.SerializeToNode(Http, ServeJson.Options);
        root["telemetry"] = System.Text.Json.JsonSerializer.SerializeToNode(Telemetry, ServeJson.Options);
        return new JsonObject { [Section] = root };
    }

    private IEnumerable<string> HttpProblems()
    {
        if (string.IsNullOrWhiteSpace(Http.Url))
        {
            yield break;
        }

        if (!Uri.TryCreate(Http.Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/")
        {
            yield return $"{Section}:Http:Url '{Http.Url}' is not http(s)://ADDRESS:PORT";
            yield break;
        }

        bool loopback = url.IsLoopback;
        if (!loopback && !IPAddress.TryParse(url.Host, out _) && url.Host != "*")
        {
            yield return $"{Section}:Http:Url needs an IP address (or localhost), not the name '{url.Host}'";
        }

        if (url.Scheme == "https" && (string.IsNullOrWhiteSpace(Http.CertificatePath) || string.IsNullOrWhiteSpace(Http.KeyPath)))
        {
            yield return $"{Section}:Http:Url is https: set {Section}:Http:CertificatePath and KeyPath (PEM files)";
        }

        foreach (string? file in new[] { Http.CertificatePath, Http.KeyPath })
        {
            if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
            {
                yield return $"{Section}:Http: {file} does not exist";
            }
        }

        if (url.Scheme == "http" && !loopback && !Http.AllowInsecureRemote)
        {
            yield return $"{Section}:Http:Url {Http.Url} would send API keys over the network in clear: use https (CertificatePath, KeyPath) or set {Section}:Http:AllowInsecureRemote";
        }
    }

    private static void ReadSecretFile(IConfigurationSection section, string fileKey, string valueKey, string? current, Action<string> set, List<string> problems)
    {
        string? path = section[fileKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (!string.IsNullOrEmpty(current) && !string.IsNullOrEmpty(section[valueKey]))
        {
            problems.Add($"give {Section}:{valueKey} once: {fileKey} or the value itself, not both");
            return;
        }

        if (!File.Exists(path))
        {
            problems.Add($"{Section}:{fileKey} {path} does not exist");
            return;
        }

        string secret = File.ReadAllText(path).TrimEnd('\r', '\n');
        if (secret.Length == 0)
        {
            problems.Add($"{Section}:{fileKey} {path} is empty");
            return;
        }

        set(secret);
    }

    private static string Mask(string? secret) => string.IsNullOrEmpty(secret) ? "(not set)" : "(redacted)";

    private static string RedactConnectionString(string text)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(text);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                builder.Password = "(redacted)";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(redacted: not a connection string)";
        }
    }
}
