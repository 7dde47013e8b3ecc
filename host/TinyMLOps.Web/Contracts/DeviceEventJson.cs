using System.Globalization;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// One entry of a device's history: a command and its result ("command"), a rollout assignment ("rollout") or a
/// consent change ("consent"), at the time it last changed; the fields that do not apply are null.
/// </summary>
public sealed record DeviceEventJson(
    DateTimeOffset At, string Kind, string Summary, long? CommandId, string? Command, int? Status, long? RolloutId, string? State, string? Detail)
{
    public static DeviceEventJson Of(CommandRecord c)
    {
        ArgumentNullException.ThrowIfNull(c);
        string state = c.Status switch { null => c.SentAt == null ? "queued" : "sent", 0 => "done", _ => "failed" };
        return new(
            c.CompletedAt ?? c.SentAt ?? c.CreatedAt, "command", $"{c.Name} {state}{(string.IsNullOrEmpty(c.Detail) ? "" : ": " + c.Detail)}",
            c.CommandId, c.Name, c.Status, null, state, c.Detail);
    }

    public static DeviceEventJson Of(RolloutDeviceRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(
            r.UpdatedAt, "rollout", $"rollout {r.RolloutId.ToString(CultureInfo.InvariantCulture)} {r.State}{(r.PreviousVariant.Length > 0 ? $" (was {r.PreviousVariant})" : "")}",
            r.CommandId, null, null, r.RolloutId, r.State, r.Detail.Length == 0 ? null : r.Detail);
    }

    public static DeviceEventJson Of(ConsentChangeRecord c)
    {
        ArgumentNullException.ThrowIfNull(c);
        string now = c.NewSetting + (c.NewGranted ? " (granted)" : "");
        return new(c.At, "consent", $"{c.Category}: {c.OldSetting ?? "unset"} → {now}", null, null, null, null, c.NewSetting, null);
    }
}
