using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>Status, variants, rollouts and rounds over HTTP against one running `serve` with a registry and a seeded fleet.</summary>
public sealed class FleetApiTests(FleetApiFixture fleet) : IClassFixture<FleetApiFixture>
{
    [Fact]
    public async Task Status_gives_the_fleet_totals_and_the_running_hosts_counters()
    {
        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        using JsonDocument status = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/status"));
        var counts = await fleet.Serve.Store.CountsAsync(DateTimeOffset.UtcNow - fleet.Serve.Options.OnlineWindow);
        Assert.Equal(counts.Devices, status.RootElement.GetProperty("devices").GetInt64());
        Assert.Equal(4, status.RootElement.GetProperty("devices").GetInt64());
        Assert.Equal(counts.Messages, status.RootElement.GetProperty("messages").GetInt64());
        Assert.StartsWith("SQLite ", status.RootElement.GetProperty("store").GetString(), StringComparison.Ordinal);
        Assert.True(status.RootElement.GetProperty("host").GetProperty("received").GetInt64() >= 0);
    }

    [Fact]
    public async Task Variants_list_pages_the_registry_and_one_variant_says_where_it_is_selected()
    {
        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        using (JsonDocument page = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/variants?limit=1")))
        {
            var first = Assert.Single(page.RootElement.GetProperty("items").EnumerateArray());
            var stored = fleet.Registry.Latest.OrderBy(v => v.Summary.Macs).First();
            Assert.Equal(stored.VariantId, first.GetProperty("variantId").GetString());
            Assert.Equal(stored.Summary.FlashBytes, first.GetProperty("flashBytes").GetInt32());
            string next = page.RootElement.GetProperty("next").GetString()!;
            using JsonDocument rest = JsonDocument.Parse(await viewer.GetStringAsync($"api/v1/variants?limit=1&cursor={next}"));
            Assert.NotEqual(stored.VariantId, Assert.Single(rest.RootElement.GetProperty("items").EnumerateArray()).GetProperty("variantId").GetString());
            Assert.Equal(JsonValueKind.Null, rest.RootElement.GetProperty("next").ValueKind);
        }

        // fc-b is as big as fc-a and more accurate: every board that takes it picks it when plugged in, none picks fc-a.
        using JsonDocument b = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/variants/fc-b"));
        Assert.Equal("first release", Assert.Single(b.RootElement.GetProperty("versions").EnumerateArray()).GetProperty("releaseNotes").GetString());
        var boards = b.RootElement.GetProperty("boards").EnumerateArray().ToList();
        Assert.Equal(BoardCatalog.Default.Boards.Select(x => x.Id), boards.Select(x => x.GetProperty("board").GetString()));
        Assert.Contains(boards, x => x.GetProperty("plugged").GetBoolean());
        Assert.All(boards.Where(x => x.GetProperty("fits").GetBoolean() && BoardCatalog.Default.Get(x.GetProperty("board").GetString()!).NotDeployable == null),
            x => Assert.True(x.GetProperty("plugged").GetBoolean()));
        using JsonDocument a = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/variants/fc-a"));
        Assert.DoesNotContain(a.RootElement.GetProperty("boards").EnumerateArray(), x => x.GetProperty("plugged").GetBoolean());

        using HttpResponseMessage missing = await viewer.GetAsync("api/v1/variants/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no variant nope", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Variant_fleet_says_which_device_runs_which_variant()
    {
        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        using JsonDocument page = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/variants/fleet?fleet=lab"));
        var devices = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["s3-0", "s3-1", "s3-2", "s3-3"], devices.Select(d => d.GetProperty("deviceId").GetString()).Order());
        Assert.All(devices, d =>
        {
            Assert.Equal("fc-a", d.GetProperty("pluggedVariant").GetString());
            Assert.Equal("plugged", d.GetProperty("serving").GetString());
            Assert.Equal("fc-a", d.GetProperty("running").GetString());
            Assert.Equal("external", d.GetProperty("power").GetString());
        });
        Assert.Empty(JsonDocument.Parse(await viewer.GetStringAsync("api/v1/variants/fleet?fleet=elsewhere")).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task An_operator_starts_a_rollout_the_store_holds_and_rolls_it_back_once()
    {
        using HttpClient op = fleet.Serve.Client(fleet.Operator);
        using HttpResponseMessage created = await op.PostAsJsonAsync("api/v1/rollouts", new { variantId = "fc-b", fleet = "lab", stages = "25,100", soak = "30m" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        long id = body.RootElement.GetProperty("rolloutId").GetInt64();
        Assert.EndsWith($"/api/v1/rollouts/{id}", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        var stored = (await fleet.Serve.Store.GetRolloutAsync(id))!;
        Assert.Equal(("fc-b", "lab", "25,100", RolloutStates.Active), (stored.VariantId, stored.Fleet, stored.Stages, stored.State));
        Assert.Equal(TimeSpan.FromMinutes(30), RolloutPolicy.FromJson(stored.Policy).Soak);

        // The same checks as `variant rollout`: the cohort is held, stages must ascend, the variant must exist.
        using HttpResponseMessage clash = await op.PostAsJsonAsync("api/v1/rollouts", new { variantId = "fc-a", fleet = "lab" });
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Contains($"rollout {id} (fc-b, active) already targets this role and cohort", await clash.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage stages = await op.PostAsJsonAsync("api/v1/rollouts", new { variantId = "fc-b", fleet = "other", stages = "50,20" });
        Assert.Equal(HttpStatusCode.BadRequest, stages.StatusCode);
        Assert.Contains("ascending", await stages.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.PostAsJsonAsync("api/v1/rollouts", new { variantId = "fc-b", fleet = "other", role = "sideways" })).StatusCode);

        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        using (JsonDocument list = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/rollouts")))
        {
            var r = list.RootElement.GetProperty("items").EnumerateArray().Single(x => x.GetProperty("rolloutId").GetInt64() == id);
            Assert.Equal([25, 100], r.GetProperty("stages").EnumerateArray().Select(s => s.GetInt32()));
        }

        using (JsonDocument detail = JsonDocument.Parse(await viewer.GetStringAsync($"api/v1/rollouts/{id}")))
        {
            Assert.Equal(id, detail.RootElement.GetProperty("rollout").GetProperty("rolloutId").GetInt64());
            Assert.False(detail.RootElement.GetProperty("verdict").GetProperty("enough").GetBoolean());
            Assert.Equal(0, detail.RootElement.GetProperty("candidate").GetProperty("inferences").GetInt64());
        }

        using HttpResponseMessage back = await op.PostAsJsonAsync($"api/v1/rollouts/{id}/rollback", new { reason = "bad field reports" });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(RolloutStates.RollingBack, (await fleet.Serve.Store.GetRolloutAsync(id))!.State);
        using HttpResponseMessage again = await op.PostAsync($"api/v1/rollouts/{id}/rollback", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already rolling-back", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await op.PostAsync("api/v1/rollouts/999999/rollback", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("api/v1/rollouts/999999")).StatusCode);

        var audit = await fleet.Serve.Store.AuditAsync();
        Assert.Contains(audit, e => e.Status == 201 && e.Role == "operator" && e.Detail.StartsWith($"rollout {id}: fc-b v", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Status == 200 && e.Detail == $"rollout {id}: rolling-back (manual: bad field reports)");
        Assert.Contains(audit, e => e.Status == 409 && e.Action == "POST /api/v1/rollouts/{rolloutId:long}/rollback");
    }

    [Fact]
    public async Task A_viewers_writes_get_403_and_are_audited()
    {
        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/v1/rollouts", new { variantId = "fc-b", fleet = "viewers" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/v1/rounds", new { variantId = "fc-a", fleet = "viewers" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("api/v1/rollouts/1/rollback", null)).StatusCode);
        Assert.DoesNotContain(await fleet.Serve.Store.ListRolloutsAsync(), r => r.Fleet == "viewers");
        Assert.DoesNotContain(await fleet.Serve.Store.ListRoundsAsync(), r => r.Fleet == "viewers");
        var audit = await fleet.Serve.Store.AuditAsync();
        Assert.Contains(audit, e => e.Status == 403 && e.Role == "viewer" && e.Action == "POST /api/v1/rounds/");
    }

    [Fact]
    public async Task A_round_started_through_the_api_is_in_the_history_and_its_watch_streams_it_until_cancelled()
    {
        using HttpClient op = fleet.Serve.Client(fleet.Operator);
        using HttpResponseMessage created = await op.PostAsJsonAsync("api/v1/rounds", new { variantId = "fc-a", fleet = "lab", minParticipants = 1, targetParticipants = 3, keepFraction = 0.2, deadline = "10m" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("roundId").GetString()!;
        var stored = (await fleet.Serve.Store.GetRoundAsync(id))!;
        Assert.Equal((RoundStates.Configured, "lab"), (stored.State, stored.Fleet));
        Assert.Equal(TimeSpan.FromMinutes(10), stored.Deadline - stored.CreatedAt);

        using HttpClient viewer = fleet.Serve.Client(fleet.Viewer);
        using (JsonDocument history = JsonDocument.Parse(await viewer.GetStringAsync("api/v1/rounds")))
        {
            Assert.Contains(history.RootElement.GetProperty("items").EnumerateArray(), r => r.GetProperty("roundId").GetString() == id);
        }

        using (JsonDocument one = JsonDocument.Parse(await viewer.GetStringAsync($"api/v1/rounds/{id}")))
        {
            Assert.Equal(1, one.RootElement.GetProperty("config").GetProperty("minParticipants").GetInt32());
            Assert.Equal(0.2, one.RootElement.GetProperty("config").GetProperty("keepFraction").GetDouble(), 6);
            Assert.Equal(0, one.RootElement.GetProperty("invited").GetInt32());
        }

        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync("api/v1/rounds", new { variantId = "fc-a", fleet = "lab" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.PostAsJsonAsync("api/v1/rounds", new { variantId = "fc-a", fleet = "other", deadline = "soon" })).StatusCode);

        // The stream gives the round at once, then again when the cancel changes it, and ends as the round has finished.
        using var watch = new HttpRequestMessage(HttpMethod.Get, $"api/v1/rounds/{id}/watch");
        using HttpResponseMessage stream = await viewer.SendAsync(watch, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var firstEvent = await NextEventAsync(reader, timeout.Token);
        Assert.Equal(id, firstEvent!.RootElement.GetProperty("round").GetProperty("roundId").GetString());
        Assert.Equal(RoundStates.Configured, firstEvent.RootElement.GetProperty("round").GetProperty("state").GetString());

        using HttpResponseMessage cancelled = await op.PostAsJsonAsync($"api/v1/rounds/{id}/cancel", new { reason = "wrong cohort" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var lastEvent = await NextEventAsync(reader, timeout.Token);
        Assert.Equal(RoundStates.Cancelled, lastEvent!.RootElement.GetProperty("round").GetProperty("state").GetString());
        Assert.Null(await NextEventAsync(reader, timeout.Token));

        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsync($"api/v1/rounds/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("api/v1/rounds/nope/watch")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("api/v1/rounds/nope")).StatusCode);
        Assert.Contains(await fleet.Serve.Store.AuditAsync(), e => e.Status == 200 && e.Detail == $"round {id}: cancelled (cancelled: wrong cohort)");
    }

    /// <summary>The data of the next server-sent event, or null when the stream ends.</summary>
    private static async Task<JsonDocument?> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = line[5..].TrimStart();
            }
            else if (line.Length == 0 && data != null)
            {
                return JsonDocument.Parse(data);
            }
        }

        return null;
    }
}
