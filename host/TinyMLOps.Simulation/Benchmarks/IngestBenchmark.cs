using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>One measured run of the ingest benchmark.</summary>
public sealed record IngestRun(string Name, int Messages, int Delivered, TimeSpan Elapsed)
{
    /// <summary>Host runs: time in the store stage and in the ack stage (they overlap).</summary>
    public TimeSpan StoreTime { get; init; }

    public TimeSpan AckTime { get; init; }

    public double MessagesPerSecond => Delivered / Elapsed.TotalSeconds;
}

/// <summary>The ingest benchmark's result: the broker's raw rate and the host's, from the same run.</summary>
public sealed record IngestReport(int Devices, int MessagesPerDevice, int MessageBytes, IngestRun Raw, IReadOnlyList<IngestRun> Hosts)
{
    public double Ratio(IngestRun host) => host.MessagesPerSecond / Raw.MessagesPerSecond;
}

/// <summary>
/// Host ingest throughput against the broker's own. The same load (N device connections, each publishing
/// M heartbeat envelopes at QoS 1, all devices at once) goes through the same broker twice: first to a
/// subscriber that only counts (the broker's raw rate), then to the host worker, which decodes,
/// deduplicates, stores durably and sends an application ack per device and batch. Each run ends when
/// the last message is counted or stored; anything missing is reported, not hidden.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<IngestReport> RunAsync(
        string brokerHost,
        int brokerPort,
        int devices,
        int messagesPerDevice,
        IReadOnlyList<(string Name, Func<IFleetStore> Open)> stores,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        progress?.Report($"connecting {devices} device clients");
        var clients = await ConnectDevicesAsync(brokerHost, brokerPort, devices, cancellationToken).ConfigureAwait(false);
        try
        {
            int messageBytes = Envelopes("bench-0000", 1, 1)[0].Length;
            progress?.Report("raw broker throughput (counting subscriber)");
            var raw = await RawAsync(brokerHost, brokerPort, clients, messagesPerDevice, 1, cancellationToken).ConfigureAwait(false);
            var hosts = new List<IngestRun>();
            uint first = (uint)messagesPerDevice + 1;
            foreach (var (name, open) in stores)
            {
                progress?.Report($"host ingest into {name}");
                hosts.Add(await HostAsync(name, brokerHost, brokerPort, clients, messagesPerDevice, first, open, cancellationToken).ConfigureAwait(false));
                first += (uint)messagesPerDevice;
            }

            return new IngestReport(devices, messagesPerDevice, messageBytes, raw, hosts);
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<IngestRun> RawAsync(string host, int port, List<(string Id, IMqttClient Client)> clients, int perDevice, uint firstSequence, CancellationToken ct)
    {
        using var counter = new MqttClientFactory().CreateMqttClient();
        int received = 0;
        int total = clients.Count * perDevice;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        counter.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == total)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await counter.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("bench-raw-counter").WithCleanSession().Build(), ct).ConfigureAwait(false);
        await counter.SubscribeAsync(Topics.UpFilter("bench"), MqttQualityOfServiceLevel.AtLeastOnce, ct).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        await PublishAllAsync(clients, perDevice, firstSequence, ct).ConfigureAwait(false);
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(120), ct)).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        await counter.DisconnectAsync(cancellationToken: ct).ConfigureAwait(false);
        return new IngestRun("mosquitto, counting subscriber", total, received, elapsed);
    }

    private static async Task<IngestRun> HostAsync(string name, string host, int port, List<(string Id, IMqttClient Client)> clients, int perDevice, uint firstSequence, Func<IFleetStore> open, CancellationToken ct)
    {
        await using var store = open();
        var options = new SyncOptions { EmbeddedBroker = false, BrokerHost = host, BrokerPort = port, WorkerId = "tinymlops-host-bench-" + Guid.NewGuid().ToString("N")[..8], Fleet = "bench", MaxBatch = 4096 };
        await using var worker = await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance, ct).ConfigureAwait(false);
        int total = clients.Count * perDevice;
        var clock = Stopwatch.StartNew();
        await PublishAllAsync(clients, perDevice, firstSequence, ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow.AddSeconds(300);
        while (worker.Metrics.Stored + worker.Metrics.Duplicates < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, ct).ConfigureAwait(false);
        }

        var elapsed = clock.Elapsed;
        long stored = (await store.CountsAsync(DateTimeOffset.UtcNow, ct).ConfigureAwait(false)).Messages;
        return new IngestRun($"host → {name} (decode, dedup, store, ack)", total, (int)Math.Min(stored, total), elapsed)
        {
            StoreTime = worker.Metrics.StoreTime,
            AckTime = worker.Metrics.AckTime,
        };
    }

    private static Task PublishAllAsync(List<(string Id, IMqttClient Client)> clients, int perDevice, uint firstSequence, CancellationToken ct) =>
        Task.WhenAll(clients.Select(async c =>
        {
            foreach (byte[] envelope in Envelopes(c.Id, firstSequence, perDevice))
            {
                var message = new MqttApplicationMessageBuilder().WithTopic(Topics.Up("bench", c.Id, MessageKind.Heartbeat)).WithPayload(envelope)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                await c.Client.PublishAsync(message, ct).ConfigureAwait(false);
            }
        }));

    private static byte[][] Envelopes(string deviceId, uint first, int count)
    {
        var result = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            var heartbeat = new HeartbeatPayload { UptimeSeconds = (uint)(i * 60), PowerSource = 2, OutboxEntries = i % 7, Inferences = (uint)(i * 100) };
            result[i] = WireCodec.Encode(new Message(MessageKind.Heartbeat, deviceId, first + (uint)i, 1_780_000_000u + (uint)i, heartbeat.Encode()));
        }

        return result;
    }

    private static async Task<List<(string Id, IMqttClient Client)>> ConnectDevicesAsync(string host, int port, int devices, CancellationToken ct)
    {
        var clients = new List<(string, IMqttClient)>(devices);
        var factory = new MqttClientFactory();
        for (int start = 0; start < devices; start += 100)
        {
            var batch = Enumerable.Range(start, Math.Min(100, devices - start)).Select(async i =>
            {
                string id = $"bench-{i:D4}";
                var client = factory.CreateMqttClient();
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(id).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(30)).Build(), ct).ConfigureAwait(false);
                return (id, client);
            });
            clients.AddRange(await Task.WhenAll(batch).ConfigureAwait(false));
        }

        return clients;
    }
}
