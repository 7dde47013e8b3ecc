using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// A mosquitto (Debian's package) started from its binary on a free loopback port, with persistence in a
/// temporary folder: the external broker of the integration tests (which stop and restart it mid-sync)
/// and the reference of the ingest benchmark.
/// </summary>
public sealed class MosquittoProcess : IDisposable
{
    public const string Binary = "/usr/sbin/mosquitto";

    private readonly string _dir;
    private Process? _process;

    /// <param name="extraConfiguration">Lines appended to the generated mosquitto.conf (e.g. the limits of docs/protocol.md).</param>
    public MosquittoProcess(string? extraConfiguration = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} not found: install Debian's mosquitto package (bash .ci/setup does)");
        }

        _dir = Directory.CreateTempSubdirectory("tinymlops-mosquitto-").FullName;
        Port = FreePort();
        File.WriteAllText(Path.Combine(_dir, "mosquitto.conf"), $"""
            listener {Port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_dir}/
            autosave_interval 1
            max_queued_messages 1000000
            max_inflight_messages 100
            log_dest file {_dir}/mosquitto.log
            {extraConfiguration}
            """);
        Start();
    }

    public int Port { get; }

    public string Log => File.Exists(Path.Combine(_dir, "mosquitto.log")) ? File.ReadAllText(Path.Combine(_dir, "mosquitto.log")) : "";

    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo(Binary, ["-c", Path.Combine(_dir, "mosquitto.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd()} {Log}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException("mosquitto did not open its port within 10 s");
    }

    /// <summary>SIGTERM: mosquitto writes its persistence file and exits, as in a service restart.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
    }

    public void Restart()
    {
        Stop();
        Start();
    }

    public void Dispose()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process?.Dispose();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
