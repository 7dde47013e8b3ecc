using TinyMLOps.Fleet.Metering.Extraction;

namespace TinyMLOps.Fleet.Hosting;

/// <summary>How the host service reaches the broker and the store. Bound from configuration section "TinyMLOps".</summary>
public sealed class SyncOptions
{
    /// <summary>Run the MQTTnet broker in-process on <see cref="BrokerHost"/>:<see cref="BrokerPort"/>; false connects to an external broker there.</summary>
    public bool EmbeddedBroker { get; set; } = true;

    public string BrokerHost { get; set; } = "127.0.0.1";

    public int BrokerPort { get; set; } = 1883;

    /// <summary>Address the embedded broker listens on: loopback by default; 0.0.0.0 for boards on the LAN (with device credentials).</summary>
    public string BrokerListenAddress { get; set; } = "127.0.0.1";

    public bool UseTls { get; set; }

    /// <summary>PEM file of the CA that signed the external broker's certificate; null uses the system store.</summary>
    public string? CaCertificatePath { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Client id of this worker; workers sharing a fleet need distinct ids.</summary>
    public string WorkerId { get; set; } = "tinymlops-host-1";

    /// <summary>Fleet to serve, or "+" for all fleets.</summary>
    public string Fleet { get; set; } = "+";

    /// <summary>Subscribe through an MQTT 5 shared subscription so several workers split the uplink.</summary>
    public bool SharedSubscription { get; set; }

    /// <summary>SQLite database file, used when <see cref="PostgresConnectionString"/> is not set.</summary>
    public string SqlitePath { get; set; } = "tinymlops.db";

    public string? PostgresConnectionString { get; set; }

    /// <summary>Embedded broker only: devices must log in with the credential registered at provisioning.</summary>
    public bool RequireDeviceCredentials { get; set; }

    /// <summary>Embedded broker only: packet size, connection and per-client queue limits.</summary>
    public Broker.BrokerLimits BrokerLimits { get; set; } = new();

    public int MaxBatch { get; set; } = 2048;

    /// <summary>Messages waiting for the store above which the host logs an overload warning (once a minute while it lasts).</summary>
    public int IngestQueueWarning { get; set; } = 8192;

    /// <summary>Bytes of uplinks waiting for the store beyond which the host sheds further ones (their devices resend them).</summary>
    public long IngestQueueMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Rejected uplinks kept in the store (the newest); older ones are pruned by the housekeeping.</summary>
    public int MaxRejects { get; set; } = 100_000;

    /// <summary>How long rejected uplinks are kept.</summary>
    public TimeSpan RejectRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Devices seen within this window count as online.</summary>
    public TimeSpan OnlineWindow { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long to wait before a command sent to a device without a result is sent again.</summary>
    public TimeSpan CommandResendAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Variant registry folder; with an artifact master key, the service runs the staged rollouts recorded in the store.</summary>
    public string? VariantRegistryPath { get; set; }

    /// <summary>The fleet's artifact master key (hex or base64; configuration TinyMLOps:ArtifactMasterKey or TINYMLOPS_ARTIFACT_MASTER_KEY).</summary>
    public string? ArtifactMasterKey { get; set; }

    /// <summary>When a device's query pattern is flagged as model extraction.</summary>
    public ExtractionPolicy Extraction { get; set; } = new();

    /// <summary>How often the rollout controller and the round coordinator reconcile.</summary>
    public TimeSpan RolloutInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Each task's data folder (task id → path; configuration TinyMLOps:TaskData:TASK) for the release gate of federated
    /// rounds: a task not named here reads its own default source.
    /// </summary>
    public Dictionary<string, string> TaskData { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
