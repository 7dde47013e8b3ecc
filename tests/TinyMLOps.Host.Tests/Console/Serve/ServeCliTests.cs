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
}
