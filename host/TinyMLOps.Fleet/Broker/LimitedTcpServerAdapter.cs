using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// The embedded broker's TCP listener, in place of MQTTnet's: it closes connections beyond the total and per-address
/// limits at accept, and reads every client through a <see cref="PacketLimitStream"/>, so an oversize packet ends its
/// connection before its body is buffered. MQTTnet 5.2 has neither limit.
/// </summary>
public sealed class LimitedTcpServerAdapter : IMqttServerAdapter
{
    private readonly IPAddress _address;
    private readonly int _port;
    private readonly BrokerLimits _limits;
    private readonly ILogger _log;
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private int _open;
    private long _refusedConnections;
    private long _oversizePackets;
    private MqttServerOptions? _options;
    private IMqttNetLogger _mqttLog = MqttNetNullLogger.Instance;

    public LimitedTcpServerAdapter(IPAddress address, int port, BrokerLimits limits, ILogger log)
    {
        _address = address;
        _port = port;
        _limits = limits;
        _log = log;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>Connections closed at accept because a connection limit was reached.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Packets refused for their announced size (each closed its connection).</summary>
    public long OversizePackets => Interlocked.Read(ref _oversizePackets);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _mqttLog = logger;
        _listener = new TcpListener(_address, _port);
        _listener.Start(options.DefaultEndpointOptions.ConnectionBacklog);
        _accepting = Task.Run(() => AcceptAsync(_listener, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_accepting != null)
        {
            await _accepting.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener?.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogWarning("Broker accept failed: {Error}", e.Message);
                continue;
            }

            var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            string? refusal = TryOpen(remote);
            if (refusal != null)
            {
                long refused = Interlocked.Increment(ref _refusedConnections);
                // One line per 100 refusals: a connection flood must not become a log flood.
                if (refused % 100 == 1)
                {
                    _log.LogWarning("Broker closed a connection from {Address}: {Reason} ({Refused} refused so far)", remote, refusal, refused);
                }

                socket.Close(0);
                continue;
            }

            _ = Task.Run(() => ServeAsync(socket, remote), CancellationToken.None);
        }
    }

    private string? TryOpen(IPAddress remote)
    {
        lock (_perAddress)
        {
            if (_open >= _limits.MaxConnections)
            {
                return $"{_open} connections open, the limit";
            }

            int fromThere = _perAddress.GetValueOrDefault(remote);
            if (fromThere >= _limits.MaxConnectionsPerAddress)
            {
                return $"{fromThere} connections open from that address, the limit";
            }

            _open++;
            _perAddress[remote] = fromThere + 1;
            return null;
        }
    }

    private void Close(IPAddress remote)
    {
        lock (_perAddress)
        {
            _open--;
            if (--_perAddress[remote] == 0)
            {
                _perAddress.Remove(remote);
            }
        }
    }

    private async Task ServeAsync(Socket socket, IPAddress remote)
    {
        try
        {
            socket.NoDelay = true;
            var endpoint = socket.RemoteEndPoint;
            var stream = new PacketLimitStream(new NetworkStream(socket, ownsSocket: true), _limits.MaxPacketBytes, size =>
            {
                Interlocked.Increment(ref _oversizePackets);
                _log.LogWarning("Broker closed the connection of {Endpoint}: a packet of {Size} bytes, over the limit of {Limit}", endpoint, size, _limits.MaxPacketBytes);
            });
            using var channel = new MqttTcpChannel(stream, endpoint, socket.LocalEndPoint, null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLog) { AllowPacketFragmentation = _options.DefaultEndpointOptions.AllowPacketFragmentation };
            if (ClientHandler != null)
            {
                await ClientHandler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _log.LogDebug("Broker connection from {Address} ended: {Error}", remote, e.Message);
        }
        finally
        {
            socket.Dispose();
            Close(remote);
        }
    }
}
