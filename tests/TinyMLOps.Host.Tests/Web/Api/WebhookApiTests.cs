using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>/api/v1/webhooks (admin): the `webhook` verbs over HTTP, and who may call the new operation routes.</summary>
public sealed class WebhookApiTests
{
    [Fact]
    public async Task An_admin_adds_lists_tests_and_removes_a_webhook_and_sees_the_secret_only_once()
    {
        await using var serve = await OperationsServe.StartAsync();
        using HttpResponseMessage created = await serve.Admin.PostAsJsonAsync("api/v1/webhooks", new { url = "https://hooks.example.com/fleet", events = "rollout.rolled_back" });
        string createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdBody);
        using var doc = JsonDocument.Parse(createdBody);
        string secret = doc.RootElement.GetProperty("secret").GetString()!;
        long id = doc.RootElement.GetProperty("webhook").GetProperty("id").GetInt64();
        Assert.True(secret.Length >= 40, secret);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());

        string list = await serve.Admin.GetStringAsync("api/v1/webhooks");
        using (var listed = JsonDocument.Parse(list))
        {
            var item = Assert.Single(listed.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal("https://hooks.example.com/fleet", item.GetProperty("url").GetString());
            Assert.Equal(id, item.GetProperty("id").GetInt64());
        }

        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        // The store keeps it sealed under the master key, never in clear.
        var stored = (await serve.Serve.Store.GetWebhookAsync(id))!;
        Assert.DoesNotContain(secret, System.Text.Encoding.UTF8.GetString(stored.SealedSecret), StringComparison.Ordinal);
        Assert.Equal(secret, new TinyMLOps.Fleet.Webhooks.WebhookSecrets(new DeviceKeys(TinyMLOps.Host.Tests.Fleet.Metering.LedgerFixture.MasterKey)).Open(stored.SealedSecret, stored.Url));

        // A test ping is queued as a delivery of this webhook.
        using HttpResponseMessage ping = await serve.Admin.PostAsync($"api/v1/webhooks/{id}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, ping.StatusCode);
        using (var pinged = JsonDocument.Parse(await ping.Content.ReadAsStringAsync()))
        {
            string delivery = pinged.RootElement.GetProperty("deliveryId").GetString()!;
            using var deliveries = JsonDocument.Parse(await serve.Admin.GetStringAsync($"api/v1/webhooks/deliveries?webhookId={id}"));
            Assert.Contains(deliveries.RootElement.GetProperty("items").EnumerateArray(), d => d.GetProperty("deliveryId").GetString() == delivery && d.GetProperty("type").GetString() == "ping");
        }

        using (var failed = JsonDocument.Parse(await serve.Admin.GetStringAsync("api/v1/webhooks/deliveries?failed=true")))
        {
            Assert.All(failed.RootElement.GetProperty("items").EnumerateArray(), d => Assert.Equal("failed", d.GetProperty("state").GetString()));
        }

        using HttpResponseMessage bad = await serve.Admin.PostAsJsonAsync("api/v1/webhooks", new { url = "ftp://hooks.example.com" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not ftp://", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await serve.Admin.DeleteAsync($"api/v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Admin.DeleteAsync($"api/v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Admin.PostAsync($"api/v1/webhooks/{id}/test", null)).StatusCode);
        Assert.Empty(await serve.Serve.Store.WebhooksAsync());
        var audit = await serve.Serve.Store.AuditAsync();
        Assert.Contains(audit, a => a.Status == 201 && a.Detail == $"webhook {id}: https://hooks.example.com/fleet for rollout.rolled_back");
        Assert.Contains(audit, a => a.Status == 204 && a.Detail == $"removed webhook {id}");
        Assert.DoesNotContain(audit, a => a.Detail.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_master_key_adding_a_webhook_is_a_503_that_says_why()
    {
        if (Environment.GetEnvironmentVariable(DeviceKeys.EnvironmentVariable) != null)
        {
            return; // the environment supplies a master key to every serve
        }

        await using var serve = await OperationsServe.StartAsync(masterKey: false);
        using HttpResponseMessage response = await serve.Admin.PostAsJsonAsync("api/v1/webhooks", new { url = "https://hooks.example.com/fleet" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("master key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await serve.Serve.Store.WebhooksAsync());
    }

    [Fact]
    public async Task Each_new_route_refuses_a_missing_key_with_401_and_a_viewer_write_with_403()
    {
        await using var serve = await OperationsServe.StartAsync();
        (HttpMethod Method, string Path, object? Body)[] routes =
        [
            (HttpMethod.Put, "api/v1/devices/yd-0/tags", new { add = new[] { "x" } }),
            (HttpMethod.Post, "api/v1/devices/yd-0/tags", new { add = new[] { "x" } }),
            (HttpMethod.Post, "api/v1/devices/yd-0/decommission", new { reason = "x" }),
            (HttpMethod.Get, "api/v1/webhooks", null),
            (HttpMethod.Post, "api/v1/webhooks", new { url = "https://hooks.example.com" }),
            (HttpMethod.Delete, "api/v1/webhooks/1", null),
            (HttpMethod.Get, "api/v1/webhooks/deliveries", null),
            (HttpMethod.Post, "api/v1/webhooks/1/test", null),
        ];
        foreach (var (method, path, body) in routes)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(serve.Anonymous, method, path, body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(serve.Viewer, method, path, body)).StatusCode);
        }

        // Webhooks and decommissioning are for admins: an operator is refused too.
        Assert.Equal(HttpStatusCode.Forbidden, (await serve.Operator.GetAsync("api/v1/webhooks")).StatusCode);
        Assert.Empty(await serve.Serve.Store.DeviceTagsAsync("yd-0"));
        Assert.False((await serve.Serve.Store.GetDeviceAsync("yd-0"))!.Decommissioned);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body == null ? null : JsonContent.Create(body) };
        return await client.SendAsync(request);
    }
}
