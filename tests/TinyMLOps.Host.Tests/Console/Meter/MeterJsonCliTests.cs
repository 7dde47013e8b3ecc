using System.Text.Json;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Meter;

/// <summary>`meter usage`, `meter bill` and `quota ls` with `--output json`, over the receipts of two devices (one with a forged receipt).</summary>
public sealed class MeterJsonCliTests : ConsoleTest
{
    private static readonly string MasterHex = Convert.ToHexString(LedgerFixture.MasterKey);

    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private async Task SeedAsync()
    {
        var keys = new DeviceKeys(LedgerFixture.MasterKey);
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        var cam1 = new DeviceChain("cam-01", keys.For("cam-01"));
        var cam2 = new DeviceChain("cam-02", keys.For("cam-02"));
        var forged = cam2.Make(2, "kws", 400, 9_999);
        forged.Sign(new byte[32]);
        var payloads = new (string Device, byte[] Payload)[]
        {
            ("cam-01", cam1.Next("kws", 1_200).Encode()),
            ("cam-01", cam1.Next("vision", 300, grace: 0).Encode()),
            ("cam-01", cam1.Next("kws", 800, grace: 100).Encode()),
            ("cam-02", cam2.Next("kws", 400).Encode()),
            ("cam-02", forged.Encode()),
        };
        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        var seq = new Dictionary<string, long>();
        await store.IngestAsync([.. payloads.Select(p => new IngestRecord("lab", p.Device, seq[p.Device] = seq.GetValueOrDefault(p.Device) + 1, MessageKind.UsageReceipt, 0, at, p.Payload))]);
        await store.SetCustomerAsync("cam-01", "acme");
    }

    [Fact]
    public async Task Meter_usage_json_holds_the_verified_lines_totals_and_the_flagged_device()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "usage", "--db", Db, "--master-key", MasterHex, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var root = doc.RootElement;
        Bill stored;
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            stored = await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery());
        }

        Assert.Equal(stored.Inferences, root.GetProperty("inferences").GetInt64());
        Assert.Equal(stored.GraceInferences, root.GetProperty("graceInferences").GetInt64());
        var kws = root.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("deviceId").GetString() == "cam-01" && l.GetProperty("modelId").GetString() == "kws");
        Assert.Equal("acme", kws.GetProperty("customer").GetString());
        Assert.Equal(2, kws.GetProperty("receipts").GetInt64());
        Assert.Equal(2_000, kws.GetProperty("inferences").GetInt64());
        var flag = Assert.Single(root.GetProperty("flagged").EnumerateArray());
        Assert.Equal("cam-02", flag.GetProperty("deviceId").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("since").ValueKind);
    }

    [Fact]
    public async Task Meter_bill_json_prices_per_model_and_still_writes_the_csv()
    {
        await SeedAsync();
        string csv = Path.Combine(Dir.FullName, "bill.csv");
        Assert.Equal(0, Run("meter", "bill", "--db", Db, "--master-key", MasterHex, "--price", "kws=2.5", "--default-price", "1", "--csv", csv, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var root = doc.RootElement;
        Assert.Equal(6.30m, root.GetProperty("amount").GetDecimal());
        Assert.Equal(2_700, root.GetProperty("inferences").GetInt64());
        var customers = root.GetProperty("customers").EnumerateArray().ToDictionary(c => c.GetProperty("customer").GetString()!, c => c.GetProperty("amount").GetDecimal());
        Assert.Equal(5.30m, customers["acme"]);
        Assert.Equal(1.00m, customers["lab"]);
        var vision = root.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("modelId").GetString() == "vision");
        Assert.Equal(1m, vision.GetProperty("pricePer1000").GetDecimal());
        Assert.Equal(4, File.ReadAllLines(csv).Length);
    }

    [Fact]
    public async Task Quota_ls_json_lists_the_granted_token()
    {
        await SeedAsync();
        Assert.Equal(0, Run("quota", "grant", "cam-01", "--db", Db, "--master-key", MasterHex, "--model", "kws", "--allowance", "5000", "--expires-in", "7d", "--policy", "grace", "--grace", "250"));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("quota", "ls", "--db", Db, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        Assert.Equal(1, doc.RootElement.GetProperty("count").GetInt32());
        var token = Assert.Single(doc.RootElement.GetProperty("tokens").EnumerateArray());
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        var stored = Assert.Single(await store.QuotaTokensAsync(null));
        Assert.Equal(stored.TokenId, token.GetProperty("tokenId").GetInt64());
        Assert.Equal(5_000, token.GetProperty("allowance").GetInt64());
        Assert.Equal(250, token.GetProperty("graceAllowance").GetInt64());
        Assert.Equal("queued", token.GetProperty("answer").GetString());
        Assert.Equal(stored.ExpiresAt, token.GetProperty("expiresAt").GetDateTimeOffset());
    }
}
