using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Store;

/// <summary>
/// A device's current consent for one category of optional uploads, from its newest hello with a consent section
/// (<see cref="UploadConsent"/> names: category drift, learning or telemetry; setting off, on, wifi, charging or ask).
/// </summary>
public sealed record DeviceConsentRecord(string DeviceId, string Category, string Setting, bool Granted, long HelloSequence, DateTimeOffset UpdatedAt)
{
    /// <summary>Nothing of the category may come from the device: off, or ask without the user's grant.</summary>
    public bool Denied => UploadConsent.IsDenied(UploadConsent.ParseSetting(Setting), Granted);

    /// <summary>The setting as shown: "ask (granted)" when the user granted an ask setting.</summary>
    public string Shown => Setting == UploadConsent.SettingName(UploadConsent.Ask) ? Setting + (Granted ? " (granted)" : " (not granted)") : Setting;
}

/// <summary>One change of a device's consent as its hellos reported it; the first report of a category has no old value.</summary>
public sealed record ConsentChangeRecord(
    long ChangeId,
    string DeviceId,
    DateTimeOffset At,
    string Category,
    string? OldSetting,
    bool? OldGranted,
    string NewSetting,
    bool NewGranted,
    long HelloSequence);
