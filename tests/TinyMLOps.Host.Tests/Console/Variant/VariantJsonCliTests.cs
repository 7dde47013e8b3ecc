using System.Text.Json;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Rollouts;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Host.Tests.Console.Variant;

/// <summary>`variant ls` and `variant rollouts [ID]` with `--output json`, over a registry of two tiny models and four devices.</summary>
public sealed class VariantJsonCliTests : ConsoleTest
{
    private async Task<(string Registry, string Db, VariantRegistry Reg)> SeedAsync()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        var reg = TwoVariantFleet.Registry(registry, 0.81, 0.93);
        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using var store = await FleetStoreFactory.OpenAsync(null, db);
        await store.IngestAsync(TwoVariantFleet.LabDevices(4));
        return (registry, db, reg);
    }

    [Fact]
    public async Task Variant_ls_json_gives_each_variant_its_figures_and_board_costs()
    {
        var (registry, _, reg) = await SeedAsync();
        Assert.Equal(0, Run("variant", "ls", "--registry", registry, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var variants = doc.RootElement.GetProperty("variants").EnumerateArray().ToDictionary(v => v.GetProperty("variantId").GetString()!);
        Assert.Equal(["fc-a", "fc-b"], variants.Keys.Order());
        var stored = reg.Latest.Single(v => v.VariantId == "fc-b");
        var b = variants["fc-b"];
        Assert.Equal(0.93, b.GetProperty("accuracy").GetDouble());
        Assert.Equal(stored.Summary.Macs, b.GetProperty("macs").GetInt64());
        Assert.Equal(stored.Summary.FlashBytes, b.GetProperty("flashBytes").GetInt32());
        Assert.Equal(stored.Version, b.GetProperty("version").GetInt32());
        var boards = b.GetProperty("boards").EnumerateArray().ToList();
        Assert.Equal(BoardCatalog.Default.Boards.Select(x => x.Id), boards.Select(x => x.GetProperty("board").GetString()));
        var s3 = boards.Single(x => x.GetProperty("board").GetString() == "esp32-s3");
        var cost = CostModel.Estimate(BoardCatalog.Default.Get("esp32-s3"), stored.Summary, new SelectionPolicy().NativeKernels);
        Assert.Equal(cost.LatencyMs, s3.GetProperty("latencyMs").GetDouble(), 9);

        Out.GetStringBuilder().Clear();
        Assert.NotEqual(0, Run("variant", "ls", "--registry", registry, "--output", "json", "--markdown"));
        Assert.Contains("--output json prints only the document", Flat());
    }

    [Fact]
    public async Task Variant_rollouts_json_lists_rollouts_and_details_one()
    {
        var (registry, db, _) = await SeedAsync();
        string[] common = ["--registry", registry, "--db", db];
        Assert.Equal(0, Run(["variant", "rollout", "fc-b", "--fleet", "lab", "--stages", "25,100", "--soak", "30m", .. common]));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollouts", "--output", "json", .. common]));
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            var stored = Assert.Single(await store.ListRolloutsAsync());
            using var list = JsonDocument.Parse(Out.ToString());
            var r = Assert.Single(list.RootElement.GetProperty("rollouts").EnumerateArray());
            Assert.Equal(stored.RolloutId, r.GetProperty("rolloutId").GetInt64());
            Assert.Equal("fc-b", r.GetProperty("variantId").GetString());
            Assert.Equal(stored.Percent, r.GetProperty("percent").GetInt32());
            Assert.Equal([25, 100], r.GetProperty("stages").EnumerateArray().Select(s => s.GetInt32()));
            Assert.Equal(stored.State, r.GetProperty("state").GetString());
            Assert.Equal("lab", r.GetProperty("fleet").GetString());
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["variant", "rollouts", "1", "--output", "json", .. common]));
        using var one = JsonDocument.Parse(Out.ToString());
        Assert.Equal(1, one.RootElement.GetProperty("rollout").GetProperty("rolloutId").GetInt64());
        Assert.Equal(0, one.RootElement.GetProperty("candidate").GetProperty("inferences").GetInt64());
        Assert.False(one.RootElement.GetProperty("verdict").GetProperty("enough").GetBoolean());
        Assert.StartsWith("waiting for data", one.RootElement.GetProperty("verdict").GetProperty("reason").GetString());
    }
}
