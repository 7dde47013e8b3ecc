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
    private readonly ILogger _log;
    private readonly IFleetStore? _store;
    private long _refusedConnections;
    private long _refusedPublishes;

    public EmbeddedBroker(int port, IFleetStore? store, bool requireCredentials, string? hostPassword, ILogger log, IPAddress? listenAddress = null)
    {
        _log = log;
        _store = store;
        Port = port;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(listenAddress ?? IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.ValidatingConnectionAsync += async e =>
        {
            string? refusal = await CheckLoginAsync(e.ClientId, e.UserName, e.Password, store, requireCredentials, hostPassword).ConfigureAwait(false);
            if (refusal != null)
            {
                Interlocked.Increment(ref _refusedConnections);
                _log.LogWarning("Broker refused {Client}: {Reason}", e.ClientId, refusal);
                e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            }
        };
        _server.InterceptingPublishAsync += e =>
        {
            if (e.ClientId != null && !BrokerAccessPolicy.CanPublish(e.ClientId, e.ApplicationMessage.Topic))
            {
                Interlocked.Increment(ref _refusedPublishes);
                _log.LogWarning("Broker dropped a publish by {Client} on {Topic}: not its topic", e.ClientId, e.ApplicationMessage.Topic);
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            }

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

    private static async Task<string?> CheckLoginAsync(string clientId, string? user, string? password, IFleetStore? store, bool requireCredentials, string? hostPassword)
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

        var device = store == null ? null : await store.GetDeviceAsync(clientId).ConfigureAwait(false);
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
