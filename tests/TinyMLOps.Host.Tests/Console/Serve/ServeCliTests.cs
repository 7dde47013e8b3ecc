namespace TinyMLOps.Host.Tests.Console.Serve;

public sealed class ServeCliTests : ConsoleTest
{
    [Fact]
    public void Opening_the_embedded_broker_to_the_network_without_device_and_host_credentials_is_refused()
    {
        Assert.Equal(1, Run("serve", "--listen", "0.0.0.0", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("--require-credentials", Out.ToString());
        Assert.Equal(1, Run("serve", "--listen", "0.0.0.0", "--require-credentials", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("a host password", Flat());
    }

    [Fact]
    public void Requiring_device_credentials_without_a_host_password_is_refused_even_on_loopback()
    {
        Assert.Equal(1, Run("serve", "--require-credentials", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("--require-credentials needs the host's own credential too", Flat());
    }

    [Fact]
    public void Giving_the_host_password_both_in_a_file_and_as_a_flag_is_refused()
    {
        string file = Path.Combine(Dir.FullName, "host.secret");
        File.WriteAllText(file, "s3cret\n");
        Assert.Equal(1, Run("serve", "--require-credentials", "--password", "x", "--password-file", file, "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("give the host password once", Flat());
    }

    [Fact]
    public void A_listen_address_that_is_not_an_IP_address_is_refused()
    {
        Assert.Equal(1, Run("serve", "--listen", "my-laptop", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("not an IP address", Out.ToString());
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
