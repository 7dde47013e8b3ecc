using System.Reflection;
using Microsoft.Extensions.Configuration;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Host.Tests.Web.Hosting;

public sealed class ServeSettingsTests
{
    private static readonly string Example = Path.Combine(
        TinyMLOps.Modelling.RepositoryFiles.FindDirectory("deploy", d => File.Exists(Path.Combine(d, "appsettings.example.json")))!, "appsettings.example.json");

    [Fact]
    public void The_example_settings_file_loads_and_names_every_setting()
    {
        IConfigurationRoot configuration = ServeConfiguration.Build(Example, new Dictionary<string, string?>(), _ => null, readEnvironment: false);
        ServeSettings settings = ServeSettings.Load(configuration);
        Assert.Equal(new SyncOptions().BrokerPort, settings.Sync.BrokerPort);
        Assert.Equal(new HttpOptions().Url, settings.Http.Url);

        var named = configuration.GetSection(ServeSettings.Section).GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // Secrets are named by their *File keys only; everything else appears with its default.
        string[] missing = typeof(SyncOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.Name)
            .Where(n => n is not (nameof(SyncOptions.Password) or nameof(SyncOptions.ArtifactMasterKey)) && !named.Contains(n))
            .ToArray();
        Assert.Empty(missing);
        Assert.Contains("PasswordFile", named);
        Assert.Contains("ArtifactMasterKeyFile", named);
    }

    [Fact]
    public void Environment_variables_beat_the_file_and_secrets_can_come_from_files()
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-settings-").FullName;
        string secret = Path.Combine(dir, "host.secret");
        File.WriteAllText(secret, "from-a-file\n");
        string file = Path.Combine(dir, "appsettings.json");
        File.WriteAllText(file, $$"""{ "TinyMLOps": { "Fleet": "file", "PasswordFile": "{{secret.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "RequireDeviceCredentials": true } }""");
        Environment.SetEnvironmentVariable("TinyMLOps__Fleet", "environment");
        try
        {
            ServeSettings settings = ServeSettings.Load(ServeConfiguration.Build(file, new Dictionary<string, string?>(), _ => null));
            Assert.Equal("environment", settings.Sync.Fleet);
            Assert.Equal("from-a-file", settings.Sync.Password);
            Assert.DoesNotContain("from-a-file", settings.Redacted().ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TinyMLOps__Fleet", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TinyMLOps:WorkerId"] = "somebody",
            ["TinyMLOps:MaxBatch"] = "0",
            ["TinyMLOps:Telemetry:OtlpProtocol"] = "carrier-pigeon",
            ["TinyMLOps:Http:Url"] = "ftp://127.0.0.1:21",
            ["TinyMLOps:PasswordFile"] = "/nonexistent/host.secret",
        }).Build();
        var e = Assert.Throws<ServeConfigurationException>(() => ServeSettings.Load(configuration));
        Assert.Equal(5, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("WorkerId", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("does not exist", StringComparison.Ordinal));
    }
}
