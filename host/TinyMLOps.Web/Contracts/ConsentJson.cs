using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Contracts;

/// <summary>`fleet consent --output json`: the table's counts per category and setting, and each device's settings.</summary>
public sealed record ConsentJson(int Devices, IReadOnlyList<ConsentJson.Category> Categories, IReadOnlyList<ConsentJson.DeviceSetting> Settings)
{
    public static ConsentJson Of(IReadOnlyList<DeviceConsentRecord> consent)
    {
        string[] settings = [.. Enumerable.Range(0, UploadConsent.SettingCount).Select(s => UploadConsent.SettingName(s))];
        var categories = new List<Category>();
        for (int c = 0; c < UploadConsent.Count; c++)
        {
            string name = UploadConsent.CategoryName(c);
            var rows = consent.Where(r => r.Category == name).ToList();
            categories.Add(new Category(
                name,
                settings.ToDictionary(s => s, s => rows.Count(r => r.Setting == s), StringComparer.Ordinal),
                rows.Count(r => r.Setting == "ask" && r.Granted)));
        }

        return new(
            consent.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Count(),
            categories,
            [.. consent.Select(c => new DeviceSetting(c.DeviceId, c.Category, c.Setting, c.Granted, c.UpdatedAt))]);
    }

    public sealed record Category(string Name, IReadOnlyDictionary<string, int> Devices, int AskGranted);

    public sealed record DeviceSetting(string DeviceId, string Category, string Setting, bool Granted, DateTimeOffset UpdatedAt);
}
