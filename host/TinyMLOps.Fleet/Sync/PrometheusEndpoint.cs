using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace TinyMLOps.Fleet.Sync;

/// <summary>Serves <see cref="HostMetrics.ToPrometheusText"/> on http://127.0.0.1:{port}/metrics for a Prometheus scraper.</summary>
public sealed class PrometheusEndpoint : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HostMetrics _metrics;
    private readonly ILogger _log;
    private readonly Task _loop;

    public PrometheusEndpoint(int port, HostMetrics metrics, ILogger log)
    {
        _metrics = metrics;
        _log = log;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/metrics/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending request.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                byte[] body = Encoding.UTF8.GetBytes(_metrics.ToPrometheusText());
                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.OutputStream.WriteAsync(body).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                _log.LogDebug(e, "metrics request failed");
            }
        }
    }
}
