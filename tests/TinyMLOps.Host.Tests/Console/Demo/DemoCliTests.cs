using TinyMLOps.Simulation.Tasks;

namespace TinyMLOps.Host.Tests.Console.Demo;

/// <summary>`demo --task`: the task is checked before anything is trained or started.</summary>
public sealed class DemoCliTests : ConsoleTest
{
    [Fact]
    public void A_task_that_does_not_exist_is_one_line_listing_the_tasks()
    {
        string db = Path.Combine(Dir.FullName, "demo.db");
        Assert.Equal(1, Run("demo", "--task", "knitting", "--devices", "2", "--days", "0.05", "--db", db));
        Assert.Equal($"error: no task 'knitting' (tasks: {string.Join(", ", TaskCatalog.Ids)})", Out.ToString().Trim());
        Assert.False(File.Exists(db));
    }
}
