using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>The writes (provision, quota grant, clear suspect): a viewer gets 403, an operator succeeds, and the audit log has each with its detail.</summary>
[Collection(ApiFleetCollection.Name)]
public sealed class ApiWriteTests(ApiFleet fleet)
{
    private static object Provision(string id) => new { board = "esp32-devkitc", deviceId = id, fleet = "field", brokerHost = "10.0.0.2", wifiSsid = "lab-net", wifiPassword = "pw" };

    [Fact]
    public async Task A_viewer_gets_403_on_each_write_and_changes_nothing()
    {
        using HttpResponseMessage provision = await fleet.Viewer.PostAsJsonAsync("api/v1/devices", Provision("viewer-1"));
        using HttpResponseMessage grant = await fleet.Viewer.PostAsJsonAsync("api/v1/quotas", new { deviceId = "kw-1", modelId = "kws", allowance = 10 });
        using HttpResponseMessage clear = await fleet.Viewer.PostAsJsonAsync("api/v1/metering/suspects/cam-5/clear", new { note = "mine" });
        Assert.All(new[] { provision, grant, clear }, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Null(await fleet.Serve.Store.GetDeviceAsync("viewer-1"));
        Assert.Empty(await fleet.Serve.Store.QuotaTokensAsync("kw-1"));
        var audit = await fleet.Serve.Store.AuditAsync();
        foreach (string action in new[] { "POST /api/v1/devices/", "POST /api/v1/quotas/", "POST /api/v1/metering/suspects/{deviceId}/clear" })
        {
            Assert.Contains(audit, a => a.Status == 403 && a.Role == "viewer" && a.Action == action);
        }
    }

    [Fact]
    public async Task An_operator_provisions_a_device_and_gets_the_configuration_its_flash_needs_once()
    {
        using HttpResponseMessage response = await fleet.Operator.PostAsJsonAsync("api/v1/devices", Provision("field-7"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement b = doc.RootElement;
        string secret = b.GetProperty("mqttSecret").GetString()!;
        ProvisionedConfig config = ConfigFile.Parse(Convert.FromBase64String(b.GetProperty("configFile").GetString()!)).Config;
        Assert.Equal("field-7", config.DeviceId);
        Assert.Equal(secret, config.MqttPassword);
        Assert.Equal(new DeviceKeys(LedgerFixture.MasterKey).For("field-7"), config.ArtifactKey);
        Assert.Equal(ProvisionedConfig.FileName, b.GetProperty("configFileName").GetString());

        DeviceRecord device = (await fleet.Serve.Store.GetDeviceAsync("field-7"))!;
        Assert.Equal("field", device.Fleet);
        Assert.True(DeviceCredentials.Verify(secret, device.CredentialHash!));
        Assert.Contains(await fleet.Serve.Store.AuditAsync(), a => a.Status == 201 && a.Role == "operator" && a.Detail == "provisioned field-7 (esp32-devkitc) in fleet field");

        // Again without force: a conflict, not a new secret; a bad board is a 400 with its one line.
        using HttpResponseMessage again = await fleet.Operator.PostAsJsonAsync("api/v1/devices", Provision("field-7"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using HttpResponseMessage bad = await fleet.Operator.PostAsJsonAsync("api/v1/devices", new { board = "toaster", deviceId = "x", fleet = "f", brokerHost = "h" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("unknown board 'toaster'", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_grants_a_quota_token_that_quota_ls_lists_and_a_flagged_device_gets_409()
    {
        using HttpResponseMessage response = await fleet.Operator.PostAsJsonAsync("api/v1/quotas", new { deviceId = "cam-2", modelId = "mlp-drift", allowance = 5_000, expiresIn = "12h", policy = "grace", grace = 50 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("grace", doc.RootElement.GetProperty("policy").GetString());
        Assert.Equal("queued", doc.RootElement.GetProperty("answer").GetString());
        QuotaTokenRecord stored = Assert.Single(await fleet.Serve.Store.QuotaTokensAsync("cam-2"));
        Assert.Equal(5_000, stored.Allowance);
        Assert.Equal(QuotaToken.PolicyGrace, stored.Policy);
        Assert.Equal(12 * 3600, (stored.ExpiresAt - stored.IssuedAt).TotalSeconds, 0);
        Assert.Contains(await fleet.Serve.Store.AuditAsync(), a => a.Status == 201 && a.Detail.StartsWith($"granted token {stored.TokenId} to cam-2: 5000 inferences of mlp-drift", StringComparison.Ordinal));

        using HttpResponseMessage flagged = await fleet.Operator.PostAsJsonAsync("api/v1/quotas", new { deviceId = "cam-1", modelId = "mlp-drift", allowance = 10 });
        Assert.Equal(HttpStatusCode.Conflict, flagged.StatusCode);
        Assert.Contains("flagged by the usage ledger", await flagged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage unknown = await fleet.Operator.PostAsJsonAsync("api/v1/quotas", new { deviceId = "nope", modelId = "kws", allowance = 10 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using HttpResponseMessage badPolicy = await fleet.Operator.PostAsJsonAsync("api/v1/quotas", new { deviceId = "cam-2", modelId = "kws", allowance = 10, policy = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, badPolicy.StatusCode);
    }

    [Fact]
    public async Task An_operator_clears_a_suspect_with_a_note_and_the_audit_keeps_it()
    {
        using HttpResponseMessage noNote = await fleet.Operator.PostAsJsonAsync("api/v1/metering/suspects/cam-5/clear", new { note = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noNote.StatusCode);
        using HttpResponseMessage response = await fleet.Operator.PostAsJsonAsync("api/v1/metering/suspects/cam-5/clear", new { note = "load test by the lab" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(SuspectStates.Cleared, doc.RootElement.GetProperty("state").GetString());
        Assert.Equal("load test by the lab", doc.RootElement.GetProperty("note").GetString());
        Assert.Contains(await fleet.Serve.Store.AuditAsync(), a => a.Status == 200 && a.Role == "operator" && a.Detail == "cleared the extraction flag of cam-5: load test by the lab");

        using HttpResponseMessage twice = await fleet.Operator.PostAsJsonAsync("api/v1/metering/suspects/cam-5/clear", new { note = "again" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        using HttpResponseMessage unknown = await fleet.Operator.PostAsJsonAsync("api/v1/metering/suspects/nope/clear", new { note = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
