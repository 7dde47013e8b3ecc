using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>GET /metering/* and /quotas over the seeded receipts: usage, the bill as JSON and CSV, the ledger's findings and the suspects.</summary>
[Collection(ApiFleetCollection.Name)]
public sealed class MeteringApiTests(ApiFleet fleet)
{
    [Fact]
    public async Task Usage_gives_verified_inferences_per_customer_and_the_flagged_device()
    {
        using var doc = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/metering/usage?fleet=lab"));
        JsonElement bill = doc.RootElement;
        var acme = bill.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("customer").GetString() == "acme").ToList();
        Assert.Equal(2_300, acme.Sum(l => l.GetProperty("inferences").GetInt64()));
        Assert.Contains(bill.GetProperty("flagged").EnumerateArray(), f => f.GetProperty("deviceId").GetString() == "cam-1");

        using var before = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/metering/usage?until=2025-12-31"));
        Assert.Empty(before.RootElement.GetProperty("lines").EnumerateArray());
    }

    [Fact]
    public async Task The_bill_as_csv_parses_and_its_totals_equal_the_json()
    {
        const string query = "api/v1/metering/bills?price=mlp-drift=2&defaultPrice=1";
        using var doc = JsonDocument.Parse(await fleet.Viewer.GetStringAsync(query));
        decimal jsonAmount = doc.RootElement.GetProperty("amount").GetDecimal();
        long jsonInferences = doc.RootElement.GetProperty("inferences").GetInt64();
        Assert.True(jsonAmount > 0);

        foreach (Func<HttpRequestMessage> ask in new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Get, query + "&format=csv"),
            () => new HttpRequestMessage(HttpMethod.Get, query) { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/csv") } } },
        })
        {
            using HttpRequestMessage request = ask();
            using HttpResponseMessage response = await fleet.Viewer.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
            string[] lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string[] header = lines[0].Trim().Split(',');
            int inferences = Array.IndexOf(header, "inferences"), amount = Array.IndexOf(header, "amount"), customer = Array.IndexOf(header, "customer");
            var rows = lines.Skip(1).Select(l => l.Trim().Split(',')).Where(r => r[customer].Length > 0 && !r[customer].Equals("total", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Equal(jsonInferences, rows.Sum(r => long.Parse(r[inferences], CultureInfo.InvariantCulture)));
            Assert.Equal(jsonAmount, rows.Sum(r => decimal.Parse(r[amount], CultureInfo.InvariantCulture)));
        }

        using HttpResponseMessage bad = await fleet.Viewer.GetAsync("api/v1/metering/bills?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using HttpResponseMessage badTime = await fleet.Viewer.GetAsync("api/v1/metering/usage?since=yesterdayish");
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
        Assert.Contains("is not a duration", await badTime.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_lists_the_ledgers_findings_and_suspects_list_the_flagged_device()
    {
        using var audit = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/metering/audit?device=cam-1"));
        var findings = audit.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal("cam-1", f.GetProperty("deviceId").GetString()));
        Assert.Contains(findings, f => f.GetProperty("serious").GetBoolean());

        using var suspects = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/metering/suspects?all=true"));
        JsonElement s = Assert.Single(suspects.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("cam-5", s.GetProperty("deviceId").GetString());
        Assert.Equal(7_230.0 / 452, s.GetProperty("rateVsFleet").GetDouble(), 9);

        using var quotas = JsonDocument.Parse(await fleet.Viewer.GetStringAsync("api/v1/quotas?device=kw-1"));
        Assert.Empty(quotas.RootElement.GetProperty("items").EnumerateArray());
    }
}
