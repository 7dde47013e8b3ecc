using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Broker;

/// <summary>The embedded broker under the attack run of issue 21: oversize packets, connection floods, full queues, fleets and retain.</summary>
public sealed class EmbeddedBrokerLimitsTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_50_MiB_connect_and_a_10_MiB_publish_are_refused_before_they_are_buffered_and_valid_traffic_still_flows()
    {
        int port = MosquittoProcess.FreePort();
        await using var broker = new EmbeddedBroker(port, null, requireCredentials: false, hostPassword: null, NullLogger.Instance);
        await broker.StartAsync();
        using var host = await SubscribeAsync(port, "tinymlops-host-limits");
        int received = 0;
        host.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };

        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // A CONNECT announcing 50 MiB: the connection must close after the header, with the body unread.
        using (var socket = await RawAsync(port))
        {
            await SendAsync(socket, [0x10, .. RemainingLength(50 * MiB)]);
            bool closed = await SendUntilClosedAsync(socket, 50 * MiB);
            Assert.True(closed, "the broker kept reading a 50 MiB CONNECT");
        }

        // A logged-in device announcing a 10 MiB PUBLISH on its own topic.
        using (var socket = await RawAsync(port))
        {
            await SendAsync(socket, Connect("dev-big"));
            byte[] connack = new byte[4];
            Assert.Equal(4, await socket.ReceiveAsync(connack));
            Assert.Equal(0x20, connack[0]);
            byte[] topic = Encoding.UTF8.GetBytes(Topics.Up("f", "dev-big", MessageKind.Heartbeat));
            int length = 2 + topic.Length + 2 + (10 * MiB);
            await SendAsync(socket, [0x32, .. RemainingLength(length), (byte)(topic.Length >> 8), (byte)topic.Length, .. topic, 0, 1]);
            Assert.True(await SendUntilClosedAsync(socket, 10 * MiB), "the broker kept reading a 10 MiB PUBLISH");
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.Equal(2, broker.OversizePackets);
        // Reading the two packets would allocate 60 MiB; the host may allocate a little meanwhile (tests run in parallel).
        Assert.True(allocated < 30 * MiB, $"allocated {allocated / MiB} MiB during the attack");
        Assert.True(grown < 16 * MiB, $"heap grew {grown / MiB} MiB");

        using var device = await ConnectAsync(port, "dev-ok");
        await device.PublishAsync(Heartbeat("f", "dev-ok", 1));
        await WaitUntilAsync(() => Volatile.Read(ref received) == 1);
    }

    [Fact]
    public async Task Connections_beyond_the_limits_are_closed_at_accept()
    {
        int port = MosquittoProcess.FreePort();
        var limits = new BrokerLimits { MaxConnections = 10, MaxConnectionsPerAddress = 3 };
        await using var broker = new EmbeddedBroker(port, null, requireCredentials: false, hostPassword: null, NullLogger.Instance, limits: limits);
        await broker.StartAsync();

        var open = new List<Socket>();
        for (int i = 0; i < 3; i++)
        {
            open.Add(await RawAsync(port));
        }

        Assert.True(await RefusedAsync(port), "a fourth connection from one address stayed open");

        Assert.False(await ClosedAsync(open[0], TimeSpan.FromMilliseconds(300)));
        open[0].Dispose();
        await Task.Delay(200);
        using (var again = await RawAsync(port))
        {
            Assert.False(await ClosedAsync(again, TimeSpan.FromMilliseconds(300)), "a closed connection was not given back");
        }

        Assert.Equal(1, broker.RefusedAtAccept);
        open.ForEach(s => s.Dispose());

        int port2 = MosquittoProcess.FreePort();
        await using var small = new EmbeddedBroker(port2, null, requireCredentials: false, hostPassword: null, NullLogger.Instance, limits: new BrokerLimits { MaxConnections = 2 });
        await small.StartAsync();
        using var a = await RawAsync(port2);
        using var b = await RawAsync(port2);
        Assert.True(await RefusedAsync(port2), "a third connection beyond a total of two stayed open");
    }

    [Fact]
    public async Task A_full_client_queue_drops_its_oldest_messages_and_counts_them()
    {
        int port = MosquittoProcess.FreePort();
        await using var broker = new EmbeddedBroker(port, null, requireCredentials: false, hostPassword: null, NullLogger.Instance, limits: new BrokerLimits { MaxQueuedMessagesPerClient = 10 });
        await broker.StartAsync();
        var persistent = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("tinymlops-host-queue")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(3600).Build();
        using (var host = new MqttClientFactory().CreateMqttClient())
        {
            await host.ConnectAsync(persistent);
            await host.SubscribeAsync(Topics.UpFilter("+"), MqttQualityOfServiceLevel.AtLeastOnce);
            await host.DisconnectAsync();
        }

        using var device = await ConnectAsync(port, "dev-q");
        for (uint s = 1; s <= 30; s++)
        {
            await device.PublishAsync(Heartbeat("f", "dev-q", s));
        }

        await WaitUntilAsync(() => broker.Dropped == 20);
        using var back = new MqttClientFactory().CreateMqttClient();
        int received = 0;
        back.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        await back.ConnectAsync(persistent);
        await WaitUntilAsync(() => Volatile.Read(ref received) == 10);
    }

    [Fact]
    public async Task A_registered_device_publishes_only_under_its_own_fleet_and_nothing_is_retained()
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-broker-fleet-").FullName;
        await using var store = FleetStoreFactory.Open(null, Path.Combine(dir, "fleet.db"));
        await store.MigrateAsync();
        await store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "alpha", "esp32-devkitc", null));
        int port = MosquittoProcess.FreePort();
        await using var broker = new EmbeddedBroker(port, store, requireCredentials: false, hostPassword: null, NullLogger.Instance);
        await broker.StartAsync();

        using var device = await ConnectAsync(port, "dev-a");
        await device.PublishAsync(Heartbeat("beta", "dev-a", 1));
        await WaitUntilAsync(() => broker.RefusedPublishes == 1);

        var retained = new MqttApplicationMessageBuilder().WithTopic(Topics.Up("alpha", "dev-a", MessageKind.Heartbeat))
            .WithPayload([1, 2, 3]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build();
        await device.PublishAsync(retained);
        Assert.Equal(1, broker.RefusedPublishes);
        Assert.Equal(1, broker.StrippedRetains);

        // A later subscriber (a restarted host worker) must not be handed the uplink again.
        using var late = await SubscribeAsync(port, "tinymlops-host-late");
        int received = 0;
        late.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        await Task.Delay(500);
        Assert.Equal(0, received);
    }

    [Fact]
    public async Task Mosquitto_with_the_documented_max_packet_size_refuses_a_10_MiB_publish_and_passes_valid_ones()
    {
        using var mosquitto = new MosquittoProcess("max_packet_size 16384");
        using var host = await SubscribeAsync(mosquitto.Port, "tinymlops-host-mosq");
        int received = 0;
        host.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };

        using var big = await ConnectAsync(mosquitto.Port, "dev-big");
        var huge = new MqttApplicationMessageBuilder().WithTopic(Topics.Up("f", "dev-big", MessageKind.Heartbeat)).WithPayload(new byte[10 * MiB])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => big.PublishAsync(huge));
        await WaitUntilAsync(() => !big.IsConnected);

        using var device = await ConnectAsync(mosquitto.Port, "dev-ok");
        await device.PublishAsync(Heartbeat("f", "dev-ok", 1));
        await WaitUntilAsync(() => Volatile.Read(ref received) == 1);
        await Task.Delay(200);
        Assert.Equal(1, received);
    }

    internal static MqttApplicationMessage Heartbeat(string fleet, string device, uint sequence) =>
        new MqttApplicationMessageBuilder().WithTopic(Topics.Up(fleet, device, MessageKind.Heartbeat))
            .WithPayload(WireCodec.Encode(new Message(MessageKind.Heartbeat, device, sequence, 0, new HeartbeatPayload().Encode())))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task<IMqttClient> ConnectAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithCleanSession().Build());
        return client;
    }

    private static async Task<IMqttClient> SubscribeAsync(int port, string clientId)
    {
        var client = await ConnectAsync(port, clientId);
        await client.SubscribeAsync(Topics.UpFilter("+"), MqttQualityOfServiceLevel.AtLeastOnce);
        return client;
    }

    private static async Task<Socket> RawAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return socket;
    }

    // The broker resets a refused connection at once, which the client may see while connecting or at its first read.
    private static async Task<bool> RefusedAsync(int port)
    {
        Socket socket;
        try
        {
            socket = await RawAsync(port);
        }
        catch (SocketException)
        {
            return true;
        }

        using (socket)
        {
            return await ClosedAsync(socket);
        }
    }

    private static async Task SendAsync(Socket socket, byte[] bytes) => await socket.SendAsync(bytes);

    // Streams zeros as the announced body; true when the broker closes the connection before it is all sent.
    private static async Task<bool> SendUntilClosedAsync(Socket socket, int bytes)
    {
        byte[] zeros = new byte[64 * 1024];
        try
        {
            for (int sent = 0; sent < bytes; sent += zeros.Length)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.SendAsync(zeros, SocketFlags.None, timeout.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return e is SocketException || await ClosedAsync(socket);
        }

        return await ClosedAsync(socket);
    }

    private static async Task<bool> ClosedAsync(Socket socket, TimeSpan? wait = null)
    {
        byte[] buffer = new byte[16];
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static byte[] RemainingLength(int length)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(length % 128);
            length /= 128;
            bytes.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        return [.. bytes];
    }

    // An MQTT 3.1.1 CONNECT with a clean session and the given client id.
    private static byte[] Connect(string clientId)
    {
        byte[] id = Encoding.UTF8.GetBytes(clientId);
        byte[] variable = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, (byte)(id.Length >> 8), (byte)id.Length, .. id];
        return [0x10, .. RemainingLength(variable.Length), .. variable];
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
