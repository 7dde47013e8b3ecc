using System.Text.Json;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Meter;

/// <summary>The metering verbs (meter usage|bill|audit|clear|customer, quota grant|ls) through the real command tree, as tables and as JSON.</summary>
public sealed class MeterCliTests : ConsoleTest
{
    private static readonly string MasterHex = Convert.ToHexString(LedgerFixture.MasterKey);

    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    /// <summary>Two devices of fleet "lab": cam-01 honest (two models), cam-02 with a forged receipt after a good one.</summary>
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
    public async Task Meter_usage_verifies_stored_receipts_and_shows_usage_per_customer_with_the_flagged_device()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "usage", "--db", Db, "--master-key", MasterHex));
        string output = Out.ToString();
        Assert.Contains("verified 5 new receipt messages (4 billable)", output);
        Assert.Matches(@"acme\s+│\s+lab\s+│\s+cam-01\s+│\s+kws\s+│\s+2\s+│\s+2,000\s+│\s+100", output);
        Assert.Matches(@"lab\s+│\s+lab\s+│\s+cam-02\s+│\s+kws\s+│\s+1\s+│\s+400", output);
        Assert.Contains("flagged cam-02: BadTag at receipt 2", output);

        // Without the key nothing new is verified, and a period before the receipts is empty.
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "usage", "--db", Db, "--until", "2025-12-31"));
        Assert.DoesNotContain("cam-01", Out.ToString());
    }

    [Fact]
    public async Task Meter_bill_prices_per_model_and_writes_csv()
    {
        await SeedAsync();
        string csv = Path.Combine(Dir.FullName, "bill.csv");
        Assert.Equal(0, Run("meter", "bill", "--db", Db, "--master-key", MasterHex, "--price", "kws=2.5", "--default-price", "1", "--csv", csv));
        string output = Out.ToString();
        Assert.Contains("total 6.30 for 2,700 inferences (100 on grace)", output);
        Assert.Equal(
            [
                Billing.CsvHeader,
                "acme,lab,cam-01,kws,2,2000,100,0,2.5,5.00",
                "acme,lab,cam-01,vision,1,300,0,0,1,0.30",
                "lab,lab,cam-02,kws,1,400,0,0,2.5,1.00",
            ],
            File.ReadAllLines(csv));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "bill", "--db", Db, "--customer", "lab"));
        Assert.Contains("total 0.20 for 400 inferences", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("meter", "bill", "--db", Db, "--price", "kws"));
        Assert.Contains("is not MODEL=PRICE", Out.ToString());
    }

    [Fact]
    public async Task Meter_audit_shows_the_chain_and_the_evidence_and_meter_clear_bills_held_receipts()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "audit", "cam-02", "--db", Db, "--master-key", MasterHex));
        string audit = Out.ToString();
        Assert.Contains("FLAGGED", audit);
        Assert.Contains("BadTag", audit);
        Assert.Contains("does not carry the device key's tag", audit);
        Assert.Contains("next receipt 2", audit);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "clear", "cam-02", "--db", Db, "--note", "bench rig"));
        Assert.Contains("flag of cam-02 cleared", Out.ToString());
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("meter", "clear", "cam-02", "--db", Db, "--note", "again"));
        Assert.Contains("is not flagged", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "audit", "cam-01", "--db", Db));
        Assert.Contains("trusted", Out.ToString());
        Assert.Contains("no findings", Out.ToString());

        // The same document as GET /api/v1/devices/{id}/meters.
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "audit", "cam-01", "--db", Db, "--output", "json"));
        using (var ledger = System.Text.Json.JsonDocument.Parse(Out.ToString()))
        {
            Assert.Equal("cam-01", ledger.RootElement.GetProperty("deviceId").GetString());
            Assert.True(ledger.RootElement.GetProperty("receipts").GetArrayLength() > 0);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("meter", "audit", "nobody", "--db", Db));
        Assert.Contains("no receipts of 'nobody'", Out.ToString());
    }

    [Fact]
    public async Task Meter_customer_maps_a_device_and_resets_it_to_its_fleet()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "customer", "cam-02", "globex", "--db", Db));
        Assert.Contains("cam-02 is billed to globex", Out.ToString());
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "customer", "cam-02", "--reset", "--db", Db));
        Assert.Contains("cam-02 is billed to lab (its fleet)", Out.ToString());
    }

    [Fact]
    public async Task Quota_grant_queues_a_token_the_device_key_verifies_and_quota_ls_lists_it()
    {
        await SeedAsync();
        Assert.Equal(0, Run("quota", "grant", "cam-01", "--db", Db, "--master-key", MasterHex, "--model", "kws", "--allowance", "5000", "--expires-in", "7d", "--policy", "grace", "--grace", "250"));
        Assert.Contains("token 1 for cam-01: 5,000 inferences of kws", Out.ToString());

        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            var command = Assert.Single(await store.PendingCommandsAsync("cam-01"));
            Assert.Equal(QuotaToken.CommandName, command.Name);
            var token = QuotaToken.Decode(command.Arguments);
            Assert.True(token.VerifyTag(new DeviceKeys(LedgerFixture.MasterKey).For("cam-01")));
            Assert.Equal((5_000UL, QuotaToken.PolicyGrace, 250u), (token.Allowance, token.OverrunPolicy, token.GraceAllowance));
            Assert.Equal(7u * 86_400, token.ExpiresAt - token.IssuedAt);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("quota", "ls", "--db", Db));
        Assert.Contains("queued", Out.ToString());
        Assert.Contains("1 tokens", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("quota", "grant", "cam-01", "--db", Db, "--master-key", MasterHex, "--model", "kws", "--allowance", "5", "--policy", "sometimes"));
        Assert.Contains("--policy is refuse, fallback or grace", Out.ToString());
    }

    [Fact]
    public async Task Quota_grant_refuses_a_flagged_device()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "usage", "--db", Db, "--master-key", MasterHex));
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("quota", "grant", "cam-02", "--db", Db, "--master-key", MasterHex, "--model", "kws", "--allowance", "10"));
        Assert.Contains("quota is cut", Out.ToString());
    }

    [Fact]
    public void Bench_meter_reports_receipts_per_second_against_raw_hmac()
    {
        Assert.Equal(0, Run("bench", "meter", "--devices", "2", "--receipts", "30", "--rounds", "1"));
        string output = Out.ToString();
        Assert.Contains("raw HMAC-SHA256, same message length", output);
        Assert.Contains("ledger on SQLite", output);
        Assert.Matches(@"billed ([\d,]+) of \1 inferences signed", output);
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
