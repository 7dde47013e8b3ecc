using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>PUT/POST /devices/{id}/tags and POST /devices/{id}/decommission: the `device tag` and `device decommission` verbs over HTTP.</summary>
public sealed class DeviceOperationApiTests
{
    [Fact]
    public async Task Tags_round_trip_and_select_devices_in_the_device_list()
    {
        await using var serve = await OperationsServe.StartAsync();
        using HttpResponseMessage put = await serve.Operator.PutAsJsonAsync("api/v1/devices/yd-0/tags", new { add = new[] { "outdoor", "site=berlin", "beta" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(["beta", "outdoor", "site=berlin"], Tags(await put.Content.ReadAsStringAsync()).Order(StringComparer.Ordinal));
        using HttpResponseMessage post = await serve.Operator.PostAsJsonAsync("api/v1/devices/yd-0/tags", new { remove = new[] { "beta" } });
        Assert.Equal(["outdoor", "site=berlin"], Tags(await post.Content.ReadAsStringAsync()).Order(StringComparer.Ordinal));
        await serve.Operator.PutAsJsonAsync("api/v1/devices/yd-1/tags", new { add = new[] { "outdoor", "beta" } });
        Assert.Equal(["outdoor", "site=berlin"], (await serve.Serve.Store.DeviceTagsAsync("yd-0")).Order(StringComparer.Ordinal));

        // The list's tag expression sees the new tags, and each device carries its own.
        Assert.Equal(["yd-0"], await IdsAsync(serve.Viewer, "api/v1/devices?tag=" + Uri.EscapeDataString("outdoor and not beta")));
        Assert.Equal(["yd-0", "yd-1"], await IdsAsync(serve.Viewer, "api/v1/devices?tag=outdoor"));
        using var listed = JsonDocument.Parse(await serve.Viewer.GetStringAsync("api/v1/devices?tag=site%3Dberlin"));
        Assert.Contains("site=berlin", listed.RootElement.GetProperty("items")[0].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        // A bad tag is a 400 naming it (nothing written); an unknown device a 404; the change is in the audit log.
        using HttpResponseMessage bad = await serve.Operator.PutAsJsonAsync("api/v1/devices/yd-0/tags", new { add = new[] { "fine", "not ok" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()))
        {
            Assert.StartsWith("tag \"not ok\": character ' ' at 4", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("fine", await serve.Serve.Store.DeviceTagsAsync("yd-0"));
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Operator.PutAsJsonAsync("api/v1/devices/nope/tags", new { add = new[] { "x" } })).StatusCode);
        Assert.Contains(await serve.Serve.Store.AuditAsync(), a => a.Status == 200 && a.Role == "operator" && a.Detail == "tags of yd-0: +[] -[beta] now [outdoor site=berlin]");
    }

    [Fact]
    public async Task An_admin_decommissions_a_device_an_operator_cannot_and_the_list_hides_it_unless_asked()
    {
        await using var serve = await OperationsServe.StartAsync();
        using HttpResponseMessage byOperator = await serve.Operator.PostAsJsonAsync("api/v1/devices/yd-2/decommission", new { reason = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.False((await serve.Serve.Store.GetDeviceAsync("yd-2"))!.Decommissioned);
        Assert.Equal(HttpStatusCode.BadRequest, (await serve.Admin.PostAsJsonAsync("api/v1/devices/yd-2/decommission", new { reason = " " })).StatusCode);

        using HttpResponseMessage done = await serve.Admin.PostAsJsonAsync("api/v1/devices/yd-2/decommission", new { reason = "water damage" });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        using (var body = JsonDocument.Parse(await done.Content.ReadAsStringAsync()))
        {
            Assert.True(body.RootElement.GetProperty("device").GetProperty("decommissioned").GetBoolean());
            Assert.Equal("water damage", body.RootElement.GetProperty("device").GetProperty("decommissionReason").GetString());
        }

        var stored = (await serve.Serve.Store.GetDeviceAsync("yd-2"))!;
        Assert.True(stored.Decommissioned);
        Assert.Equal("water damage", stored.DecommissionReason);
        using HttpResponseMessage again = await serve.Admin.PostAsJsonAsync("api/v1/devices/yd-2/decommission", new { reason = "again" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already decommissioned", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Admin.PostAsJsonAsync("api/v1/devices/nope/decommission", new { reason = "x" })).StatusCode);

        var live = await IdsAsync(serve.Viewer, "api/v1/devices");
        Assert.Equal(OperationsServe.Devices - 1, live.Count);
        Assert.DoesNotContain("yd-2", live);
        Assert.Contains("yd-2", await IdsAsync(serve.Viewer, "api/v1/devices?all=true"));
        var audit = await serve.Serve.Store.AuditAsync();
        Assert.Contains(audit, a => a.Status == 200 && a.Role == "admin" && a.Detail.StartsWith("decommissioned yd-2 (water damage)", StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Status == 403 && a.Role == "operator" && a.Action == "POST /api/v1/devices/{deviceId}/decommission");
    }

    private static IReadOnlyList<string> Tags(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];
    }

    internal static async Task<IReadOnlyList<string>> IdsAsync(HttpClient client, string url)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(url));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()!).Order(StringComparer.Ordinal)];
    }
}
