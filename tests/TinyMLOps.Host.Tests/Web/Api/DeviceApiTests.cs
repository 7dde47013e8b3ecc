using System.Net;
using System.Text.Json;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>GET /devices and one device's routes over the seeded fleet.</summary>
[Collection(ApiFleetCollection.Name)]
public sealed class DeviceApiTests(ApiFleet fleet)
{
    private static async Task<JsonDocument> GetAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    private static List<string?> Ids(JsonDocument page) =>
        [.. page.RootElement.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString())];

    [Fact]
    public async Task The_list_filters_by_variant_and_board_sorts_like_fleet_ls_and_pages()
    {
        using (var mlp = await GetAsync(fleet.Viewer, "api/v1/devices?fleet=lab&variant=mlp-drift"))
        {
            Assert.Equal(["cam-0", "cam-1", "cam-2", "cam-3", "cam-4", "cam-5"], Ids(mlp));
        }

        using (var kws = await GetAsync(fleet.Viewer, "api/v1/devices?variant=kws&board=esp32-s3"))
        {
            Assert.Equal(["kw-1"], Ids(kws));
        }

        // last-seen: newest first; cam-d said hello d minutes ago and kw-1 two hours ago.
        using (var recent = await GetAsync(fleet.Viewer, "api/v1/devices?fleet=lab&sort=last-seen&limit=3"))
        {
            Assert.Equal(["cam-0", "cam-1", "cam-2"], Ids(recent));
            string next = recent.RootElement.GetProperty("next").GetString()!;
            using var rest = await GetAsync(fleet.Viewer, $"api/v1/devices?fleet=lab&sort=last-seen&limit=10&cursor={next}");
            Assert.Equal(["cam-3", "cam-4", "cam-5", "kw-1"], Ids(rest));
            Assert.Equal(JsonValueKind.Null, rest.RootElement.GetProperty("next").ValueKind);
        }
    }

    [Fact]
    public async Task One_device_gives_what_device_show_gives_with_its_meter_drift_and_rollouts()
    {
        using var doc = await GetAsync(fleet.Viewer, "api/v1/devices/cam-0");
        JsonElement root = doc.RootElement;
        JsonElement detail = root.GetProperty("detail");
        Assert.Equal("cam-0", detail.GetProperty("device").GetProperty("deviceId").GetString());
        Assert.Equal("mlp-drift", detail.GetProperty("device").GetProperty("modelId").GetString());
        Assert.Contains(detail.GetProperty("pendingCommands").EnumerateArray(), c => c.GetProperty("name").GetString() == "set-interval");
        Assert.Equal(500, detail.GetProperty("telemetrySinceBoot")[0].GetProperty("inferences").GetInt64());
        Assert.Equal(3, root.GetProperty("meter").GetProperty("receipts").GetInt64());
        Assert.False(root.GetProperty("meter").GetProperty("flagged").GetBoolean());
        JsonElement drift = root.GetProperty("drift");
        Assert.Equal(4, drift.GetProperty("windows").GetInt32());
        Assert.True(drift.GetProperty("hasProfile").GetBoolean());
        Assert.Equal("lab/esp32-devkitc/mlp-drift/0.5.0", drift.GetProperty("cohort").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, drift.GetProperty("alert").ValueKind); // cam-0's camera got brighter
        Assert.Equal(JsonValueKind.Array, root.GetProperty("rollouts").ValueKind);

        using var flagged = await GetAsync(fleet.Viewer, "api/v1/devices/cam-1");
        Assert.True(flagged.RootElement.GetProperty("meter").GetProperty("flagged").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await GetAsync(fleet.Viewer, "api/v1/devices/kw-1")).RootElement.GetProperty("drift").ValueKind);
    }

    [Fact]
    public async Task The_routes_under_a_device_give_its_telemetry_consent_meters_drift_and_history()
    {
        using (var telemetry = await GetAsync(fleet.Viewer, "api/v1/devices/cam-0/telemetry"))
        {
            JsonElement row = Assert.Single(telemetry.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal("mlp-drift", row.GetProperty("variantId").GetString());
            Assert.Equal(500, row.GetProperty("inferences").GetInt64());
            Assert.Equal(20.0, row.GetProperty("meanLatencyMs").GetDouble(), 6);
        }

        using (var consent = await GetAsync(fleet.Viewer, "api/v1/devices/cam-0/consent"))
        {
            Assert.Equal(1, consent.RootElement.GetProperty("devices").GetInt32());
            var drift = consent.RootElement.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("category").GetString() == "drift");
            Assert.Equal("off", drift.GetProperty("setting").GetString()); // the second hello changed it
        }

        using (var meters = await GetAsync(fleet.Viewer, "api/v1/devices/cam-1/meters?limit=1"))
        {
            JsonElement m = meters.RootElement;
            Assert.True(m.GetProperty("flagged").GetBoolean());
            Assert.Single(m.GetProperty("receipts").EnumerateArray());
            Assert.NotEqual(JsonValueKind.Null, m.GetProperty("nextReceipts").ValueKind);
            Assert.Contains(m.GetProperty("findings").EnumerateArray(), f => f.GetProperty("serious").GetBoolean());
            Assert.Equal(2, m.GetProperty("receiptsByStatus").EnumerateObject().Sum(p => p.Value.GetInt32()));
        }

        using (var drift = await GetAsync(fleet.Viewer, "api/v1/devices/cam-0/drift"))
        {
            var windows = drift.RootElement.GetProperty("windows").EnumerateArray().ToList();
            Assert.Equal(4, windows.Count);
            Assert.False(windows[0].GetProperty("score").GetProperty("drifted").GetBoolean());
            Assert.True(windows[^1].GetProperty("score").GetProperty("drifted").GetBoolean());
        }

        using (var none = await GetAsync(fleet.Viewer, "api/v1/devices/kw-1/drift"))
        {
            Assert.Empty(none.RootElement.GetProperty("windows").EnumerateArray());
        }

        using (var history = await GetAsync(fleet.Viewer, "api/v1/devices/cam-0/history"))
        {
            var events = history.RootElement.GetProperty("items").EnumerateArray().ToList();
            Assert.Contains(events, e => e.GetProperty("kind").GetString() == "command" && e.GetProperty("command").GetString() == "reboot" && e.GetProperty("state").GetString() == "done");
            // The host sends the pending command as soon as it sees it, so it is queued or sent, never done.
            Assert.Contains(events, e => e.GetProperty("command").GetString() == "set-interval" && e.GetProperty("state").GetString() is "queued" or "sent");
            Assert.Contains(events, e => e.GetProperty("kind").GetString() == "consent" && e.GetProperty("summary").GetString()!.StartsWith("drift: on → off", StringComparison.Ordinal));
            var times = events.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
            Assert.Equal(times.OrderByDescending(t => t), times);
        }
    }

    [Theory]
    [InlineData("api/v1/devices/nope")]
    [InlineData("api/v1/devices/nope/telemetry")]
    [InlineData("api/v1/devices/nope/consent")]
    [InlineData("api/v1/devices/nope/meters")]
    [InlineData("api/v1/devices/nope/drift")]
    [InlineData("api/v1/devices/nope/history")]
    public async Task An_unknown_device_is_a_404_problem(string path)
    {
        using HttpResponseMessage response = await fleet.Viewer.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no device nope", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_sort_is_a_400_with_one_line_and_no_stack_trace()
    {
        using HttpResponseMessage response = await fleet.Viewer.GetAsync("api/v1/devices?sort=color");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith("sort is one of id, last-seen", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
