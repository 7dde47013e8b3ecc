using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.App;

public class NetworkGatedTransportTests
{
    [Fact]
    public void A_connect_brings_the_network_up_first_and_does_not_try_the_broker_without_it()
    {
        var host = new FakeHost("lab", "dev-1");
        var mqtt = new LoopbackTransport(host, new Random(1));
        var network = new FakeNetwork { Available = false };
        var transport = new NetworkGatedTransport(network, mqtt);

        Assert.False(transport.Connect());
        Assert.Equal(1, network.Joins);
        Assert.Equal(0, mqtt.Connects);

        network.Available = true;
        Assert.True(transport.Connect());
        Assert.True(transport.IsConnected);
        Assert.Equal(1, mqtt.Connects);
    }

    [Fact]
    public void A_network_that_goes_down_is_a_lost_connection_at_once()
    {
        var mqtt = new LoopbackTransport(new FakeHost("lab", "dev-1"), new Random(1));
        var network = new FakeNetwork();
        var transport = new NetworkGatedTransport(network, mqtt);
        Assert.True(transport.Connect());

        network.Drop();

        Assert.False(transport.IsConnected);
        Assert.True(mqtt.IsConnected);
    }
}
