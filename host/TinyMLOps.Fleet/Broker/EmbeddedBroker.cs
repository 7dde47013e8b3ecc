using System.Net;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// The in-process MQTTnet broker the host runs by default, on loopback unless told another address. Sessions are persistent (a
/// device's QoS 1 downlink waits for it while it is offline, in memory: a broker restart loses that
/// queue, which the protocol tolerates because devices resend until acked and the host resends
/// commands). With <c>requireCredentials</c>, devices log in with the secret registered at provisioning.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly LimitedTcpServerAdapter _listener;
    private readonly ILogger _log;
    private readonly IFleetStore? _store;
    // The fleet each logged-in device is registered with, for the publish check (absent: not registered yet).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _fleets = new(StringComparer.Ordinal);
    private long _refusedConnections;
    private long _refusedPublishes;
    private long _strippedRetains;
    private long _dropped;

    public EmbeddedBroker(int port, IFleetStore? store, bool requireCredentials, string? hostPassword, ILogger log, IPAddress? listenAddress = null, BrokerLimits? limits = null)
    {
        _log = log;
        _store = store;
        Port = port;
        limits ??= new BrokerLimits();
        if (limits.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(limits));
        }

        // MQTTnet's own listener is off: ours enforces the connection and packet-size limits.
        var options = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(limits.MaxQueuedMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();
        _listener = new LimitedTcpServerAdapter(listenAddress ?? IPAddress.Loopback, port, limits, log);
        _server = new MqttServerFactory().CreateMqttServer(options, [_listener]);
        _server.ValidatingConnectionAsync += async e =>
        {
            var device = store == null || BrokerAccessPolicy.IsHost(e.ClientId) || !Shared.Protocol.WireCodec.IsValidDeviceId(e.ClientId)
                ? null
                : await store.GetDeviceAsync(e.ClientId).ConfigureAwait(false);
            string? refusal = CheckLogin(e.ClientId, e.UserName, e.Password, device, requireCredentials, hostPassword);
            if (refusal != null)
            {
                Interlocked.Increment(ref _refusedConnections);
                _log.LogWarning("Broker refused {Client}: {Reason}", e.ClientId, refusal);
                e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
                return;
            }

            if (device?.Fleet is { Length: > 0 } fleet)
            {
                _fleets[e.ClientId] = fleet;
            }
            else
            {
                _fleets.TryRemove(e.ClientId, out _);
            }
        };
        _server.InterceptingPublishAsync += e =>
        {
            string? fleet = e.ClientId == null ? null : _fleets.GetValueOrDefault(e.ClientId);
            if (e.ClientId != null && !BrokerAccessPolicy.CanPublish(e.ClientId, e.ApplicationMessage.Topic, fleet))
            {
                Interlocked.Increment(ref _refusedPublishes);
                _log.LogWarning("Broker dropped a publish by {Client} on {Topic}: not its topic", e.ClientId, Truncated(e.ApplicationMessage.Topic));
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                return Task.CompletedTask;
            }

            if (e.ApplicationMessage.Retain)
            {
                // The protocol retains nothing: a retained uplink would be delivered again to every new subscription.
                Interlocked.Increment(ref _strippedRetains);
                e.ApplicationMessage.Retain = false;
            }

            return Task.CompletedTask;
        };
        _server.ApplicationMessageEnqueuedOrDroppedAsync += e =>
        {
            if (e.IsDropped)
            {
                OnDropped(e.ReceiverClientId);
            }

            return Task.CompletedTask;
        };
        _server.QueuedApplicationMessageOverwrittenAsync += e =>
        {
            OnDropped(e.ReceiverClientId);
            return Task.CompletedTask;
        };
        _server.InterceptingSubscriptionAsync += e =>
        {
            if (!BrokerAccessPolicy.CanSubscribe(e.ClientId, e.TopicFilter.Topic))
            {
                _log.LogWarning("Broker refused subscription of {Client} to {Filter}", e.ClientId, e.TopicFilter.Topic);
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
    }

    public int Port { get; }

    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    public long RefusedPublishes => Interlocked.Read(ref _refusedPublishes);

    /// <summary>Connections closed at accept for a connection limit.</summary>
    public long RefusedAtAccept => _listener.RefusedConnections;

    /// <summary>Packets refused for their size (each closed its connection before its body was read).</summary>
    public long OversizePackets => _listener.OversizePackets;

    /// <summary>Publishes whose retain flag the broker cleared.</summary>
    public long StrippedRetains => Interlocked.Read(ref _strippedRetains);

    /// <summary>Messages the broker accepted but dropped from a client's full queue (the devices resend them after reconnecting).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public Task StartAsync() => _server.StartAsync();

    public Task StopAsync() => _server.StopAsync();

    public async Task<int> ConnectedClientsAsync() => (await _server.GetClientsAsync().ConfigureAwait(false)).Count;

    /// <summary>Whether a client with this id is connected now.</summary>
    public async Task<bool> IsConnectedAsync(string clientId) =>
        (await _server.GetClientsAsync().ConfigureAwait(false)).Any(c => c.Id == clientId);

    /// <summary>
    /// Disconnects the connected devices the store marks decommissioned and drops their sessions (and the downlink queued
    /// in them); their next login is refused. The host's housekeeping calls this, so a decommission made by the console
    /// or the API takes effect within one pass. Returns how many it disconnected.
    /// </summary>
    public async Task<int> EvictDecommissionedAsync(CancellationToken cancellationToken = default)
    {
        if (_store == null)
        {
            return 0;
        }

        var gone = (await _store.DecommissionedDevicesAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        if (gone.Count == 0)
        {
            return 0;
        }

        int evicted = 0;
        foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
        {
            if (gone.Contains(client.Id))
            {
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "decommissioned" }).ConfigureAwait(false);
                _log.LogWarning("Broker disconnected {Client}: decommissioned", client.Id);
                evicted++;
            }
        }

        foreach (var session in await _server.GetSessionsAsync().ConfigureAwait(false))
        {
            if (gone.Contains(session.Id))
            {
                await session.DeleteAsync().ConfigureAwait(false);
            }
        }

        return evicted;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }

        _server.Dispose();
    }

    /// <summary>Compares two secrets in time that depends on neither (their SHA-256 digests, fixed-time).</summary>
    internal static bool SameSecret(string given, string expected) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(given)),
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(expected)));

    private static string? Truncated(string topic) => topic.Length <= 120 ? topic : topic[..120] + "...";

    private void OnDropped(string receiver)
    {
        long dropped = Interlocked.Increment(ref _dropped);
        // One line per 1,000 drops: an overload must be visible without flooding the log.
        if (dropped % 1000 == 1)
        {
            _log.LogWarning("Broker dropped a message queued for {Client}: its queue is full ({Dropped} dropped so far; the devices resend after reconnecting)", receiver, dropped);
        }
    }

    private static string? CheckLogin(string clientId, string? user, string? password, Store.DeviceRecord? device, bool requireCredentials, string? hostPassword)
    {
        if (BrokerAccessPolicy.IsHost(clientId))
        {
            if (hostPassword == null)
            {
                // Without a host secret only a broker that trusts every local client (no device credentials) lets hosts in.
                return requireCredentials ? "no host credential is configured, so no client may log in as a host" : null;
            }

            return password != null && SameSecret(password, hostPassword) ? null : "wrong host credential";
        }

        if (!Shared.Protocol.WireCodec.IsValidDeviceId(clientId))
        {
            return "client id is not a valid device id";
        }

        if (device is { Decommissioned: true })
        {
            return $"device is decommissioned ({device.DecommissionReason})";
        }

        if (!requireCredentials)
        {
            return null;
        }

        if (device?.CredentialHash == null)
        {
            return "device is not provisioned";
        }

        return user == clientId && password != null && DeviceCredentials.Verify(password, device.CredentialHash) ? null : "wrong device credential";
    }
}
