namespace TinyMLOps.Host.Tests.Console.Serve;

public sealed class ServeCliTests : ConsoleTest
{
    [Fact]
    public void Opening_the_embedded_broker_to_the_network_without_device_and_host_credentials_is_refused()
    {
        Assert.Equal(1, Run("serve", "--listen", "0.0.0.0", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("--require-credentials", Out.ToString());
        Assert.Equal(1, Run("serve", "--listen", "0.0.0.0", "--require-credentials", "--db", Path.Combine(Dir.FullName, "fleet.db")));
        Assert.Contains("--password (the host's own credential)", Out.ToString());
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
