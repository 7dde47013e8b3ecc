namespace TinyMLOps.Host.Tests.Console.Serve;

public sealed class ServeCliTests : ConsoleTest
{
    [Fact]
    public void Opening_the_embedded_broker_to_the_network_without_device_and_host_credentials_is_refused()
    {
        Assert.Equal(2, Run("serve", "--listen", "0.0.0.0", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("--require-credentials", Out.ToString());
        Assert.Equal(2, Run("serve", "--listen", "0.0.0.0", "--require-credentials", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("a host password", Flat());
    }

    [Fact]
    public void Requiring_device_credentials_without_a_host_password_is_refused_even_on_loopback()
    {
        Assert.Equal(2, Run("serve", "--require-credentials", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("RequireDeviceCredentials needs the host's own credential too", Flat());
    }

    [Fact]
    public void Giving_the_host_password_both_in_a_file_and_as_a_flag_is_refused()
    {
        string file = Path.Combine(Dir.FullName, "host.secret");
        File.WriteAllText(file, "s3cret\n");
        Assert.Equal(2, Run("serve", "--require-credentials", "--password", "x", "--password-file", file, "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("give the host password once", Flat());
    }

    [Fact]
    public void A_listen_address_that_is_not_an_IP_address_is_refused()
    {
        Assert.Equal(2, Run("serve", "--listen", "my-laptop", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("not an IP address", Out.ToString());
    }

    [Fact]
    public void Settings_come_from_the_file_then_the_environment_then_the_flags_and_print_with_secrets_redacted()
    {
        string file = Path.Combine(Dir.FullName, "appsettings.json");
        File.WriteAllText(file, """
            { "TinyMLOps": { "BrokerPort": 1999, "Fleet": "from-file", "WorkerId": "tinymlops-host-file", "Password": "file-secret", "Http": { "Url": "http://127.0.0.1:9000" } } }
            """);
        var configuration = TinyMLOps.Web.Hosting.ServeConfiguration.Build(
            file,
            new Dictionary<string, string?> { ["TinyMLOps:Fleet"] = "from-flag" },
            v => v == "TINYMLOPS_HOST_PASSWORD" ? "env-secret" : null,
            readEnvironment: false);
        var settings = TinyMLOps.Web.Hosting.ServeSettings.Load(configuration);
        Assert.Equal(1999, settings.Sync.BrokerPort);
        Assert.Equal("from-flag", settings.Sync.Fleet);
        Assert.Equal("tinymlops-host-file", settings.Sync.WorkerId);
        Assert.Equal("http://127.0.0.1:9000", settings.Http.Url);
        // The older variable is read after the file: the environment beats the file.
        Assert.Equal("env-secret", settings.Sync.Password);

        Assert.Equal(0, Run("serve", "--config", file, "--print-config", "--password", "flag-secret"));
        string printed = Out.ToString();
        Assert.Contains("\"brokerPort\": 1999", printed);
        Assert.Contains("(redacted)", printed);
        Assert.DoesNotContain("secret", printed.Replace("\"password\"", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_setting_or_a_value_of_the_wrong_type_is_one_line_and_a_usage_error()
    {
        string file = Path.Combine(Dir.FullName, "bad.json");
        File.WriteAllText(file, """{ "TinyMLOps": { "BrokerPrt": 1999 } }""");
        Assert.Equal(2, Run("serve", "--config", file));
        Assert.Contains("TinyMLOps:BrokerPrt is not a setting", Flat());
        File.WriteAllText(file, """{ "TinyMLOps": { "BrokerPort": "many" } }""");
        Assert.Equal(2, Run("serve", "--config", file));
        Assert.Contains("TinyMLOps:BrokerPort", Flat());
        Assert.DoesNotContain("   at ", Out.ToString());
        File.WriteAllText(file, """{ "TinyMLOps": { "Http": { "Url": "http://0.0.0.0:8080" } } }""");
        Assert.Equal(2, Run("serve", "--config", file));
        Assert.Contains("in clear", Flat());
    }

    [Fact]
    public void Task_data_for_a_task_that_does_not_exist_is_one_line_listing_the_tasks()
    {
        Assert.Equal(1, Run("serve", "--task-data", "knitting=/data/knitting", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        string text = Out.ToString().Trim();
        Assert.Equal($"error: no task 'knitting' (tasks: {string.Join(", ", TinyMLOps.Simulation.Tasks.TaskCatalog.Ids)})", text);
    }

    [Fact]
    public void Task_data_without_a_path_is_refused_and_each_task_takes_one_folder()
    {
        Assert.Equal(1, Run("serve", "--task-data", "fashion", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("'fashion' is not TASK=PATH", Out.ToString());
        var folders = TinyMLOps.Console.Commands.Serve.ServeCommand.ParseTaskData(["Fashion=/data/a"], TinyMLOps.Simulation.Tasks.TaskCatalog.All);
        Assert.Equal("/data/a", folders["fashion"]);
        Assert.Throws<ArgumentException>(() => TinyMLOps.Console.Commands.Serve.ServeCommand.ParseTaskData(["fashion=/a", "FASHION=/b"], TinyMLOps.Simulation.Tasks.TaskCatalog.All));
    }
}
