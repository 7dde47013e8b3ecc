using System.Text.Json;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>The OpenAPI document describes the fleet routes (summary, tag, responses) and the bearer key they take.</summary>
[Collection(ApiFleetCollection.Name)]
public sealed class OpenApiTests(ApiFleet fleet)
{
    [Fact]
    public async Task The_document_lists_the_fleet_routes_with_tags_responses_and_the_bearer_scheme()
    {
        using HttpClient anonymous = fleet.Serve.Client();
        using var doc = JsonDocument.Parse(await anonymous.GetStringAsync("api/v1/openapi.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        (string Path, string Method, string Tag, string Status)[] routes =
        [
            ("/api/v1/devices/{deviceId}", "get", "devices", "404"),
            ("/api/v1/devices/{deviceId}/history", "get", "devices", "200"),
            ("/api/v1/devices", "post", "devices", "201"),
            ("/api/v1/devices/{deviceId}/tags", "put", "devices", "400"),
            ("/api/v1/devices/{deviceId}/tags", "post", "devices", "404"),
            ("/api/v1/devices/{deviceId}/decommission", "post", "devices", "409"),
            ("/api/v1/webhooks", "post", "webhooks", "503"),
            ("/api/v1/webhooks/{webhookId}", "delete", "webhooks", "404"),
            ("/api/v1/webhooks/deliveries", "get", "webhooks", "200"),
            ("/api/v1/webhooks/{webhookId}/test", "post", "webhooks", "202"),
            ("/api/v1/drift/cohorts/{fleet}/{board}/{variant}/{firmware}", "get", "drift", "404"),
            ("/api/v1/metering/bills", "get", "metering", "200"),
            ("/api/v1/metering/suspects/{deviceId}/clear", "post", "metering", "409"),
            ("/api/v1/quotas", "post", "metering", "201"),
            ("/api/v1/status", "get", "fleet", "200"),
            ("/api/v1/variants/{variantId}", "get", "variants", "404"),
            ("/api/v1/rollouts", "post", "rollouts", "201"),
            ("/api/v1/rollouts/{rolloutId}/rollback", "post", "rollouts", "409"),
            ("/api/v1/rollouts/{rolloutId}/pause", "post", "rollouts", "409"),
            ("/api/v1/rounds", "post", "rounds", "409"),
            ("/api/v1/rounds/{roundId}/cancel", "post", "rounds", "409"),
            ("/api/v1/rounds/{roundId}/watch", "get", "rounds", "200"),
        ];
        foreach (var (path, method, tag, status) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out JsonElement item), $"{path} not in {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
            JsonElement op = item.GetProperty(method);
            Assert.False(string.IsNullOrWhiteSpace(op.GetProperty("summary").GetString()), path);
            Assert.Contains(op.GetProperty("tags").EnumerateArray(), t => t.GetString() == tag);
            Assert.True(op.GetProperty("responses").TryGetProperty(status, out _), $"{method} {path} {status}");
        }

        Assert.True(paths.GetProperty("/api/v1/rounds/{roundId}/watch").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));

        JsonElement scheme = doc.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Contains(doc.RootElement.GetProperty("security").EnumerateArray(), s => s.TryGetProperty("apiKey", out _));
    }
}
