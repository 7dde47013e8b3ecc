namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>What makes one virtual board different from the next.</summary>
public sealed record VirtualBoardOptions
{
    public required string DeviceId { get; init; }

    public string Fleet { get; init; } = "demo";

    public string Board { get; init; } = "esp32-devkitc";

    public string FirmwareVersion { get; init; } = "0.3.0";

    public ConnectivityPattern Connectivity { get; init; } = ConnectivityPattern.AlwaysOn;

    public bool HasBattery { get; init; }

    public double BatteryPercent { get; init; } = 80;

    public double DrainPerHour { get; init; } = 2;

    public double ChargePerHour { get; init; } = 20;

    /// <summary>Hours of each simulated day the board is plugged in (a charger at night), from midnight.</summary>
    public double PluggedHoursPerDay { get; init; } = 8;

    /// <summary>Chance of a reboot per simulated hour (watchdog, brown-out).</summary>
    public double RebootsPerHour { get; init; }

    public double InferencesPerMinute { get; init; } = 6;

    public int HeartbeatIntervalSeconds { get; init; } = 300;

    public int OutboxCapacityBytes { get; init; } = 64 * 1024;

    public int Seed { get; init; }

    /// <summary>Length of a model-health window (the device default is an hour; tests shorten it).</summary>
    public int HealthWindowSeconds { get; init; } = 3600;

    /// <summary>Drift injection: what the sensor sees changes at <see cref="SensorShift.At"/> (null: never).</summary>
    public SensorShift? Shift { get; init; }

    /// <summary>Length of a drift window (the device default is an hour; tests shorten it).</summary>
    public int DriftWindowSeconds { get; init; } = 3600;

    /// <summary>Upload noise of the drift windows; null keeps the device default.</summary>
    public double? DriftEpsilon { get; init; }

    /// <summary>Fault injection: inferences of these variant ids fail (as a model the firmware cannot run would).</summary>
    public IReadOnlySet<string> FailingVariants { get; init; } = new HashSet<string>();

    /// <summary>Chance that a classification gets its true label as user feedback (a labelled sample for federated rounds).</summary>
    public double FeedbackRate { get; init; }

    /// <summary>Trailing fully connected layers whose input the board captures as features; rounds must train that many.</summary>
    public int FeatureLayers { get; init; } = 1;

    /// <summary>Labelled samples the board keeps (the device's ring).</summary>
    public int SampleCapacity { get; init; } = 256;

    /// <summary>
    /// The board's consent to optional uploads, as the provisioned <c>consent</c> key writes it ("drift:on,learning:wifi");
    /// categories not named are on (the virtual fleet's default; a provisioned board defaults to <see cref="TinyMLOps.Shared.Protocol.UploadConsent.DefaultText"/>).
    /// </summary>
    public string Consent { get; init; } = "drift:on,learning:on,telemetry:on";

    /// <summary>The board's link is metered (a cellular modem): uploads whose consent is "wifi" wait.</summary>
    public bool MeteredLink { get; init; }

    /// <summary>Fault injection: the board's updates are poisoned (the delta's sign flipped and scaled by 10 before clipping).</summary>
    public bool PoisonUpdates { get; init; }
}
