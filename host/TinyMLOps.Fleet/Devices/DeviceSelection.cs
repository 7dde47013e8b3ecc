using TinyMLOps.Fleet.Tags;

namespace TinyMLOps.Fleet.Devices;

/// <summary>Which devices a listing or a cohort takes: fleet and board (null: any), a tag expression, and whether decommissioned devices count.</summary>
public sealed record DeviceSelection(string? Fleet = null, string? Board = null, TagExpression? Tags = null, bool IncludeDecommissioned = false);
