namespace TinyMLOps.Web.Contracts;

/// <summary>A device's tags, as `device tag --output json` and PUT /api/v1/devices/{id}/tags give them.</summary>
public sealed record DeviceTagsJson(string DeviceId, IReadOnlyList<string> Tags);
