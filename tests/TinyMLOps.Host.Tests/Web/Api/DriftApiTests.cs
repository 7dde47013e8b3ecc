using System.Net;
using System.Text.Json;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>GET /drift and its cohorts over the seeded windows: the same report as `drift report --output json`, and one cohort's evidence.</summary>
[Collection(ApiFleetCollection.Name)]
public sealed class DriftApiTests(ApiFleet fleet)
{
    [Fact]
    public async Task The_fleet_report_pools_the_cohort_and_lists_only_the_shifted_devices_alert()
    {
        using var doc = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/drift?fleet=lab"));
        JsonElement report = doc.RootElement;
        Assert.Equal(6, report.GetProperty("devices").GetInt32());
        JsonElement cohort = Assert.Single(report.GetProperty("cohorts").EnumerateArray());
        Assert.Equal("lab/esp32-devkitc/mlp-drift/0.5.0", cohort.GetProperty("key").GetProperty("name").GetString());
        Assert.True(cohort.GetProperty("shown").GetBoolean());
        Assert.Equal(1, cohort.GetProperty("driftedDevices").GetInt32());
        JsonElement alert = Assert.Single(report.GetProperty("deviceAlerts").EnumerateArray());
        Assert.Equal("cam-0", alert.GetProperty("subject").GetString());

        using var page = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/drift/cohorts?fleet=lab"));
        Assert.Equal("lab/esp32-devkitc/mlp-drift/0.5.0", Assert.Single(page.RootElement.GetProperty("items").EnumerateArray()).GetProperty("key").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_cohort_gives_its_report_and_the_evidence_the_charts_show_as_shares()
    {
        using var doc = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/drift/cohorts/lab/*/mlp-drift/*"));
        JsonElement cohort = Assert.Single(doc.RootElement.GetProperty("report").GetProperty("cohorts").EnumerateArray());
        Assert.Equal("lab/*/mlp-drift/*", cohort.GetProperty("key").GetProperty("name").GetString());
        JsonElement evidence = doc.RootElement.GetProperty("evidence");
        foreach (string histogram in new[] { "regionReference", "regionObserved", "classReference", "classObserved", "confidenceReference", "confidenceObserved" })
        {
            var shares = evidence.GetProperty(histogram).EnumerateArray().Select(v => v.GetDouble()).ToList();
            Assert.NotEmpty(shares);
            Assert.Equal(1.0, shares.Sum(), 6);
        }

        Assert.Equal(cohort.GetProperty("score").GetProperty("worstRegion").GetInt32(), evidence.GetProperty("worstRegion").GetInt32());
        Assert.Equal(cohort.GetProperty("score").GetProperty("classPsi").GetDouble(), evidence.GetProperty("classPsi").GetDouble(), 9);
    }

    [Fact]
    public async Task An_unknown_cohort_is_a_404_and_a_malformed_one_a_400()
    {
        using HttpResponseMessage none = await fleet.Viewer.GetAsync("api/v1/drift/cohorts/lab/*/cnn-w9/*");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        using HttpResponseMessage bad = await fleet.Viewer.GetAsync("api/v1/drift/cohorts/*/*/mlp-drift/*");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not fleet/board/variant/firmware", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
