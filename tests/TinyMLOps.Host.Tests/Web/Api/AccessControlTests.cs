using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TinyMLOps.Fleet.Access;

namespace TinyMLOps.Host.Tests.Web.Api;

public sealed class AccessControlTests
{
    [Fact]
    public async Task A_request_without_a_key_gets_401_as_a_problem_document()
    {
        await using var serve = await ServeHarness.StartAsync();
        using HttpClient anonymous = serve.Client();
        using HttpResponseMessage response = await anonymous.GetAsync("api/v1/devices");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using HttpClient forged = serve.Client("tml_0badc0de_" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("api/v1/devices")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_reads_but_its_write_gets_403_and_is_audited()
    {
        await using var serve = await ServeHarness.StartAsync();
        using HttpClient viewer = serve.Client(await serve.KeyAsync(ApiRole.Viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/v1/devices")).StatusCode);
        using HttpResponseMessage write = await viewer.PostAsJsonAsync("api/v1/keys", new { name = "mine", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("application/problem+json", write.Content.Headers.ContentType?.MediaType);
        var audit = await serve.Store.AuditAsync();
        Assert.Contains(audit, a => a.Status == 403 && a.Role == "viewer" && a.Action == "POST /api/v1/keys/");
    }

    [Fact]
    public async Task An_admin_creates_a_key_that_works_until_it_is_revoked()
    {
        await using var serve = await ServeHarness.StartAsync();
        using HttpClient admin = serve.Client(await serve.KeyAsync(ApiRole.Admin));
        using HttpResponseMessage created = await admin.PostAsJsonAsync("api/v1/keys", new { name = "ci", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        string token = body.RootElement.GetProperty("token").GetString()!;
        string keyId = body.RootElement.GetProperty("key").GetProperty("keyId").GetString()!;
        Assert.Equal("operator", body.RootElement.GetProperty("key").GetProperty("role").GetString());

        using HttpClient ci = serve.Client(token);
        using JsonDocument me = JsonDocument.Parse(await ci.GetStringAsync("api/v1/me"));
        Assert.Equal("operator", me.RootElement.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("api/v1/keys")).StatusCode); // keys are for admins

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/keys/{keyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync("api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"api/v1/keys/{keyId}")).StatusCode);

        var audit = await serve.Store.AuditAsync();
        Assert.Contains(audit, a => a.Status == 201 && a.Role == "admin" && a.Detail.Contains("as operator", StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Status == 204 && a.Detail == $"revoked key {keyId}");
        // The secret is never stored, only its hash.
        Assert.DoesNotContain((await serve.Store.ListApiKeysAsync()), k => System.Text.Encoding.UTF8.GetString(k.SecretHash).Contains(token[14..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_paging_input_is_a_400_with_one_line()
    {
        await using var serve = await ServeHarness.StartAsync();
        using HttpClient viewer = serve.Client(await serve.KeyAsync(ApiRole.Viewer));
        using HttpResponseMessage tooMany = await viewer.GetAsync("api/v1/devices?limit=100000");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("limit must be", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("api/v1/devices?cursor=%%%")).StatusCode);
    }

    [Fact]
    public async Task Health_answers_and_readiness_reports_the_store_schema_and_broker()
    {
        await using var serve = await ServeHarness.StartAsync();
        using HttpClient anonymous = serve.Client();
        Assert.Equal("ok\n", await anonymous.GetStringAsync("healthz"));
        using HttpResponseMessage ready = await anonymous.GetAsync("readyz");
        string body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("connected", body, StringComparison.Ordinal);
        string openApi = await anonymous.GetStringAsync("api/v1/openapi.json");
        Assert.Contains("/api/v1/devices", openApi, StringComparison.Ordinal);
    }
}
