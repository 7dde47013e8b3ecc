namespace TinyMLOps.Web.Contracts;

/// <summary>`fleet telemetry --output json` and GET /telemetry: how many board/variant pairs and devices, and the pairs.</summary>
public sealed record TelemetryReportJson(int Pairs, int Devices, IReadOnlyList<TelemetryJson> Rows);
