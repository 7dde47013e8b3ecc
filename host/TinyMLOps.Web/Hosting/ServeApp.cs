using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Api;
using TinyMLOps.Web.Health;

namespace TinyMLOps.Web.Hosting;

/// <summary>
/// `serve` as one process: the host service (broker, ingest, rollouts, rounds) and, unless HTTP is off, the REST API,
/// health endpoints and the web console on ASP.NET Core's Kestrel, sharing one store.
/// </summary>
public static class ServeApp
{
    /// <param name="tasks">The tasks whose federated rounds the host can gate (none: no round is released).</param>
    /// <param name="configuration">Where the settings came from, kept for the parts that read more of it.</param>
    public static IHost Build(ServeSettings settings, IReadOnlyList<TaskDefinition>? tasks = null, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Uri? url = settings.HttpUri;
        if (url == null)
        {
            HostApplicationBuilder plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            Configure(plain.Services, plain.Logging, plain.Configuration, settings, tasks, configuration);
            ServeTelemetry.Add(plain.Services, settings, web: false);
            return plain.Build();
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ServeApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        Configure(builder.Services, builder.Logging, builder.Configuration, settings, tasks, configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            IPAddress address = url.Host is "localhost" ? IPAddress.Loopback : url.Host == "*" ? IPAddress.Any : IPAddress.Parse(url.Host.Trim('[', ']'));
            kestrel.Listen(address, url.Port, listen =>
            {
                if (url.Scheme == "https")
                {
                    listen.UseHttps(X509Certificate2.CreateFromPemFile(settings.Http.CertificatePath!, settings.Http.KeyPath));
                }
            });
        });
        ServeTelemetry.Add(builder.Services, settings, web: true);
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(AccessPolicies.Add);
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<BearerSecurityScheme>());
        builder.Services.ConfigureHttpJsonOptions(o => ServeJson.Configure(o.SerializerOptions));

        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        HealthEndpoints.Map(app);
        if (settings.Telemetry.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        app.MapOpenApi(ApiEndpoints.Root + "/openapi.json").AllowAnonymous();
        ApiEndpoints.Map(app);
        return app;
    }

    /// <summary>The address the HTTP listener got (with its real port when the settings asked for port 0), or null without one.</summary>
    public static Uri? HttpAddress(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string? address = host.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address == null ? null : new Uri(address);
    }

    private static void Configure(IServiceCollection services, ILoggingBuilder logging, IConfigurationManager target, ServeSettings settings, IReadOnlyList<TaskDefinition>? tasks, IConfiguration? configuration)
    {
        target.Sources.Clear();
        if (configuration != null)
        {
            target.AddConfiguration(configuration);
        }

        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        SyncOptions options = settings.Sync;
        services.AddSingleton(settings);
        services.AddSingleton(settings.Http);
        services.AddSingleton(settings.Telemetry);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton<HostStatus>();
        services.AddSingleton<IFleetStore>(_ => FleetStoreFactory.Open(options.PostgresConnectionString, options.SqlitePath));
        services.AddSingleton<IRoundDataSource>(s => new TaskRoundData(tasks ?? [], options.TaskData, s.GetRequiredService<ILoggerFactory>().CreateLogger("TinyMLOps.Rounds")));
        services.AddHostedService<SyncHostedService>();
        // Type=notify readiness and journald-friendly logs under systemd; nothing elsewhere.
        services.AddSystemd();
    }
}
