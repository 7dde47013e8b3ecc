using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Web.Console;

/// <summary>The web console in headless Chromium against a running `serve` whose virtual fleet published through the embedded broker.</summary>
public sealed class ConsoleBrowserTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [ChromiumFact]
    public async Task A_wrong_key_is_refused_with_a_message_and_a_right_one_shows_the_fleet()
    {
        var page = await fixture.PageAsync(null);
        await page.GotoAsync(fixture.Url("/"));
        Assert.EndsWith("/login?ReturnUrl=%2F", page.Url);
        await page.GetByLabel("API key").FillAsync("tml_00000000_not-a-real-secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Contains("unknown, revoked or malformed", await page.GetByRole(AriaRole.Alert).InnerTextAsync());

        await page.GetByLabel("API key").FillAsync(fixture.Admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(fixture.Url("/"));
        Assert.Equal("Fleet overview", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(ConsoleFixture.Boards.ToString(), await page.GetByTestId("devices-total").InnerTextAsync());
        Assert.Equal(ConsoleFixture.Boards.ToString(), await page.GetByTestId("devices-online").InnerTextAsync());
        // The per-board chart is drawn (a canvas) and has a name.
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("Devices per board") }).Locator("canvas").First).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_device_page_shows_its_telemetry_over_time()
    {
        var page = await fixture.PageAsync(fixture.Viewer);
        await page.GetByRole(AriaRole.Link, new() { Name = "Devices", Exact = true }).ClickAsync();
        var rows = page.Locator("table.devices tbody tr");
        Assert.Equal(ConsoleFixture.Boards, await rows.CountAsync());
        string deviceId = await rows.First.Locator("th a").InnerTextAsync();
        await rows.First.Locator("th a").ClickAsync();
        Assert.Contains(deviceId, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        var chart = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("Battery and outbox over time") });
        await Assertions.Expect(chart.Locator("canvas").First).ToBeVisibleAsync();
        // The numbers behind the chart: one row per heartbeat the device sent in its three hours.
        int heartbeats = (await fixture.Serve.Store.MessagesAsync(deviceId, TinyMLOps.Shared.Protocol.MessageKind.Heartbeat)).Count;
        Assert.InRange(heartbeats, 10, 1000);
        Assert.Equal(heartbeats, await page.Locator("figure:has(#power-chart) details tbody tr").CountAsync());
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task An_operator_rolls_a_rollout_back_from_its_page()
    {
        var page = await fixture.PageAsync(fixture.Operator);
        await page.GotoAsync(fixture.Url("/rollouts"));
        await page.GetByRole(AriaRole.Link, new() { Name = fixture.RolloutId.ToString(), Exact = true }).ClickAsync();
        Assert.Equal("active", await page.GetByTestId("rollout-state").InnerTextAsync());
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByPlaceholder("reason (for the record)").FillAsync("accuracy <dropped>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll back" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("rollback requested");
        Assert.Equal(RolloutStates.RollingBack, await page.GetByTestId("rollout-state").InnerTextAsync());
        var stored = await fixture.Serve.Store.GetRolloutAsync(fixture.RolloutId);
        Assert.Equal(RolloutStates.RollingBack, stored!.State);
        Assert.Contains("accuracy <dropped>", stored.Reason);
        var audit = await fixture.Serve.Store.AuditAsync(50);
        Assert.Contains(audit, a => a.Detail.Contains($"rollback of rollout {fixture.RolloutId}") && a.Role == "operator" && a.Status == 302);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task An_operator_pauses_a_rollout_and_resumes_it_from_its_page()
    {
        var now = DateTimeOffset.UtcNow;
        long id = await fixture.Serve.Store.CreateRolloutAsync(new RolloutRecord(0, "cnn8-int8", 4, "cd34", 0, "web", "esp32-s3", 10, "10,100", "{}", RolloutStates.Active, "stage 10%", now, now));
        var page = await fixture.PageAsync(fixture.Operator);
        await page.GotoAsync(fixture.Url($"/rollouts/{id}"));
        var pause = page.GetByRole(AriaRole.Button, new() { Name = "Pause" });
        var resume = page.GetByRole(AriaRole.Button, new() { Name = "Resume" });
        Assert.Equal(0, await resume.CountAsync());

        await pause.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("rollout paused");
        Assert.Equal(RolloutStates.Paused, await page.GetByTestId("rollout-state").InnerTextAsync());
        Assert.Equal(RolloutStates.Paused, (await fixture.Serve.Store.GetRolloutAsync(id))!.State);
        Assert.Equal(0, await pause.CountAsync());

        await resume.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("rollout active");
        Assert.Equal(RolloutStates.Active, await page.GetByTestId("rollout-state").InnerTextAsync());
        Assert.Equal(RolloutStates.Active, (await fixture.Serve.Store.GetRolloutAsync(id))!.State);
        Assert.Equal(1, await pause.CountAsync());

        var audit = await fixture.Serve.Store.AuditAsync(50);
        Assert.Contains(audit, a => a.Detail.StartsWith($"pause of rollout {id}: paused", StringComparison.Ordinal) && a.Role == "operator" && a.Status == 302);
        Assert.Contains(audit, a => a.Detail.StartsWith($"resume of rollout {id}: active", StringComparison.Ordinal) && a.Role == "operator" && a.Status == 302);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task An_operator_tags_a_device_and_a_bad_tag_comes_back_encoded_as_one_line()
    {
        string device = (await fixture.Serve.Store.ListDevicesAsync())[^1].DeviceId;
        var page = await fixture.PageAsync(fixture.Operator);
        await page.GotoAsync(fixture.Url($"/devices/{device}"));
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Decommission" }).CountAsync()); // admins only
        await page.GetByLabel("Add tags").FillAsync("outdoor site=berlin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save tags" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("tags saved");
        Assert.Equal("outdoor site=berlin", await page.GetByTestId("device-tags").InnerTextAsync());
        Assert.Equal(["outdoor", "site=berlin"], (await fixture.Serve.Store.DeviceTagsAsync(device)).Order(StringComparer.Ordinal));

        await page.GetByLabel("Remove tags").FillAsync("outdoor");
        await page.GetByLabel("Add tags").FillAsync("<b>x</b>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save tags" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("character '<' at 1 is not allowed");
        Assert.Equal(0, await page.Locator("main b").CountAsync());
        Assert.Equal(["outdoor", "site=berlin"], (await fixture.Serve.Store.DeviceTagsAsync(device)).Order(StringComparer.Ordinal));
        Assert.Contains(await fixture.Serve.Store.AuditAsync(50), a => a.Detail == $"tags of {device}: +[outdoor site=berlin] -[] now [outdoor site=berlin]" && a.Role == "operator");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_viewer_sees_no_operator_buttons_and_a_forged_rollback_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        long id = await fixture.Serve.Store.CreateRolloutAsync(new RolloutRecord(0, "cnn8-int8", 3, "ef56", 0, "web", null, 10, "10,100", "{}", RolloutStates.Active, "stage 10%", now, now));
        var page = await fixture.PageAsync(fixture.Viewer);
        await page.GotoAsync(fixture.Url($"/rollouts/{id}"));
        Assert.Equal("active", await page.GetByTestId("rollout-state").InnerTextAsync());
        foreach (string button in new[] { "Roll back", "Pause", "Resume", "Abort" })
        {
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = button }).CountAsync());
        }

        // The viewer's own session and a valid antiforgery token (from the sign-out form), posted by hand: the role check refuses it.
        foreach (string handler in new[] { "Rollback", "Pause", "Resume" })
        {
            int forged = await page.EvaluateAsync<int>(
                @"async ([id, handler]) => {
                    const token = document.querySelector('form.who input[name=__RequestVerificationToken]').value;
                    const body = new URLSearchParams({ __RequestVerificationToken: token, reason: 'forged' });
                    const r = await fetch('/rollouts/' + id + '?handler=' + handler, { method: 'POST', body, redirect: 'manual' });
                    return r.status;
                }",
                new object[] { id, handler });
            Assert.Equal(403, forged);
        }

        // Without the token the antiforgery check stops it before the role check.
        int tokenless = await page.EvaluateAsync<int>(
            "async id => (await fetch('/rollouts/' + id + '?handler=Rollback', { method: 'POST', body: new URLSearchParams({ reason: 'x' }), redirect: 'manual' })).status",
            id);
        Assert.Equal(400, tokenless);
        Assert.Equal(RolloutStates.Active, (await fixture.Serve.Store.GetRolloutAsync(id))!.State);
        // The API does not take the console's cookie.
        int api = await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/devices')).status");
        Assert.Equal(401, api);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task Signing_out_or_revoking_the_key_ends_the_session()
    {
        var page = await fixture.PageAsync(fixture.Viewer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/login"));
        await page.GotoAsync(fixture.Url("/devices"));
        Assert.Contains("/login?ReturnUrl=%2Fdevices", page.Url);
        await page.Context.CloseAsync();

        string token = await fixture.Serve.KeyAsync(TinyMLOps.Fleet.Access.ApiRole.Admin, "leaver");
        page = await fixture.PageAsync(token);
        await page.GotoAsync(fixture.Url("/devices"));
        Assert.EndsWith("/devices", page.Url);
        string keyId = token.Split('_')[1];
        Assert.True(await fixture.Serve.Store.RevokeApiKeyAsync(keyId, "test", DateTimeOffset.UtcNow));
        await page.GotoAsync(fixture.Url("/devices"));
        Assert.Contains("/login", page.Url);
        await page.Context.CloseAsync();
    }

    /// <summary>Every page answers for an admin with its heading, and what it loads stays under 200 KB.</summary>
    [ChromiumFact]
    public async Task Every_page_renders_for_an_admin_within_its_weight()
    {
        var now = DateTimeOffset.UtcNow;
        var result = new TinyMLOps.Fleet.Federated.Rounds.RoundResult
        {
            Invited = 6, Uploaded = 5, Strategy = "fedavg", CurrentAccuracy = 0.81, CandidateAccuracy = 0.84,
            Labels = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat"], CurrentPerClass = [0.8, 0.95, 0.7, 0.82, 0.76], CandidatePerClass = [0.83, 0.96, 0.75, 0.84, 0.8],
            GateReasons = ["gain +3.0 points ≥ 1.0", "no class dropped more than 2.0 points"],
        };
        string roundId = "r-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await fixture.Serve.Store.CreateRoundAsync(new RoundRecord(roundId, "fashion", "mlp16-int8", 2, "ab12", 0, "web", null, "fedavg", "{}", "released", "released: gain +3.0 points", now.AddMinutes(-20), now.AddMinutes(10), now, result.ToJson(), null, "mlp16-int8", 3, null, 1)));
        string device = (await fixture.Serve.Store.ListDevicesAsync())[0].DeviceId;
        var page = await fixture.PageAsync(fixture.Admin);
        long bytes = 0;
        page.Response += (_, r) => bytes += r.Headers.TryGetValue("content-length", out var l) ? long.Parse(l) : 0;
        foreach (string path in new[] { "/", $"/devices/{device}", $"/rollouts/{fixture.RolloutId}", $"/rounds/{roundId}", "/billing", "/devices", "/rollouts", "/rounds", "/drift", "/admin/keys", "/admin/webhooks", "/admin/audit" })
        {
            bytes = 0;
            var response = await page.GotoAsync(fixture.Url(path));
            Assert.Equal(200, response!.Status);
            Assert.NotEmpty(await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
            // Chunked answers (the pages themselves) carry no length; the assets do, and they are what weighs.
            Assert.InRange(bytes, 0, 200 * 1024);
        }

        await page.Context.CloseAsync();
    }
}
