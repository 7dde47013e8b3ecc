namespace TinyMLOps.Fleet.Webhooks;

/// <summary>Which URLs a subscription may post to: absolute http or https, with a host, no user info.</summary>
public static class WebhookUrl
{
    /// <summary>The URL as given when it is acceptable; else an <see cref="ArgumentException"/> saying why, in one line.</summary>
    public static string Check(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? uri))
        {
            throw new ArgumentException($"'{text}' is not an absolute URL; a webhook posts to http:// or https:// URLs");
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"a webhook posts to http:// or https:// URLs, not {uri.Scheme}://");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new ArgumentException("a webhook URL carries no user name or password; receivers check the signature instead");
        }

        return uri.OriginalString;
    }
}
