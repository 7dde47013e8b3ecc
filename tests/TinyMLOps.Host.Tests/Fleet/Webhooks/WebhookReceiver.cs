using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Host.Tests.Fleet.Webhooks;

/// <summary>One request as the receiver saw it, and whether its signature verified under the receiver's secret.</summary>
internal sealed record ReceivedHook(string Event, string Delivery, string Timestamp, string Signature, string Body, bool Verified, int Answered);

/// <summary>
/// A webhook receiver on a real HTTP listener (127.0.0.1, a free port) that checks every request the way docs tell
/// receivers to, with <see cref="Secret"/> (<see cref="WebhookSignature.Verify"/>) and answers with the status <see cref="Answer"/> gives for the
/// n-th request (1-based).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _count;

    public WebhookReceiver(Func<int, int>? answer = null)
    {
        Answer = answer ?? (_ => 204);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public Func<int, int> Answer { get; set; }

    /// <summary>The subscription's secret, known once the receiver's URL is subscribed.</summary>
    public string Secret { get; set; } = "unknown";

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopped while waiting for a request.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            string body = await reader.ReadToEndAsync();
            string Header(string name) => context.Request.Headers[name] ?? string.Empty;
            bool verified = WebhookSignature.Verify(Secret, Header(WebhookSignature.TimestampHeader), Header(WebhookSignature.SignatureHeader), body, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance);
            int status = Answer(Interlocked.Increment(ref _count));
            Received.Enqueue(new ReceivedHook(Header(WebhookSignature.EventHeader), Header(WebhookSignature.DeliveryHeader), Header(WebhookSignature.TimestampHeader), Header(WebhookSignature.SignatureHeader), body, verified, status));
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
            {
                context.Response.RedirectLocation = "http://elsewhere.example/steal";
            }

            context.Response.Close();
        }
    }
}
