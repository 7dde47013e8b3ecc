namespace TinyMLOps.Web.Hosting;

/// <summary>
/// OpenTelemetry export of `serve` (configuration section TinyMLOps:Telemetry). The standard OTEL_* environment
/// variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, …) apply as well.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>OTLP collector for metrics and traces, e.g. http://127.0.0.1:4317; none: no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>grpc (port 4317) or http/protobuf (port 4318).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>How often metrics go to the OTLP collector.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Serve a Prometheus scrape endpoint at /metrics on the HTTP listener (no key needed, like /healthz).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>service.name of the resource; the worker id is its service.instance.id.</summary>
    public string ServiceName { get; set; } = "tinymlops";
}
