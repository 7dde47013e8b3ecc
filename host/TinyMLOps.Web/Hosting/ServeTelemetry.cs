using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TinyMLOps.Fleet.Sync;

namespace TinyMLOps.Web.Hosting;

/// <summary>The OpenTelemetry SDK for `serve`: the host's meter and activity source, runtime and HTTP instruments, OTLP and Prometheus exporters.</summary>
public static class ServeTelemetry
{
    /// <param name="web">The HTTP listener runs: add ASP.NET Core's instruments and, if enabled, the Prometheus exporter.</param>
    public static void Add(IServiceCollection services, ServeSettings settings, bool web)
    {
        TelemetryOptions options = settings.Telemetry;
        Uri? otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        OtlpExportProtocol protocol = options.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceInstanceId: settings.Sync.WorkerId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(HostMetrics.MeterName).AddRuntimeInstrumentation();
                if (web)
                {
                    metrics.AddAspNetCoreInstrumentation();
                    if (options.Prometheus)
                    {
                        metrics.AddPrometheusExporter();
                    }
                }

                if (otlp != null)
                {
                    metrics.AddOtlpExporter((o, reader) =>
                    {
                        o.Endpoint = Signal(otlp, protocol, "v1/metrics");
                        o.Protocol = protocol;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)Math.Clamp(options.ExportInterval.TotalMilliseconds, 100, int.MaxValue);
                    });
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(HostMetrics.MeterName);
                if (web)
                {
                    tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal));
                }

                if (otlp != null)
                {
                    tracing.AddOtlpExporter(o =>
                    {
                        o.Endpoint = Signal(otlp, protocol, "v1/traces");
                        o.Protocol = protocol;
                    });
                }
            });
    }

    /// <summary>The endpoint of one signal: OTLP over HTTP posts each signal to its own path (set in code, the SDK does not add it); gRPC takes the base.</summary>
    private static Uri Signal(Uri endpoint, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath.Trim('/').Length == 0 ? new Uri(endpoint, path) : endpoint;
}
