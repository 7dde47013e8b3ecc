namespace TinyMLOps.Web.Hosting;

/// <summary>The HTTP listener of `serve` (configuration section TinyMLOps:Http).</summary>
public sealed class HttpOptions
{
    /// <summary>Where the API and the web console listen; empty turns HTTP off. Loopback by default.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>PEM certificate (and <see cref="KeyPath"/>) for https URLs.</summary>
    public string? CertificatePath { get; set; }

    public string? KeyPath { get; set; }

    /// <summary>Serve plain http on a non-loopback address: API keys would cross the network in clear. Off unless set.</summary>
    public bool AllowInsecureRemote { get; set; }

    /// <summary>Serve the browser console beside the API.</summary>
    public bool Console { get; set; } = true;
}
