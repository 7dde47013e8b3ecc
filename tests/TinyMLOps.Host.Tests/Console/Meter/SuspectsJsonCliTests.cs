using System.Text.Json;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Console.Meter;

/// <summary>`meter suspects --output json`: the flagged devices with their signals, every evaluated one with --all.</summary>
public sealed class SuspectsJsonCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    [Fact]
    public async Task Meter_suspects_json_gives_rates_ratios_and_shares_as_numbers()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord("cam-01", SuspectStates.Normal, 0, "none", "fashion", 1_440, 360, 355, 452, 0.1, 0, 0.01, false, at, null, null, string.Empty));
            await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord(
                "cam-66", SuspectStates.Flagged, 3, "rate 7230/h is 16.0x the fleet median 452/h", "fashion", 28_900, 7_230, 7_080, 452, 0.033, 0.502, 0.479, true, at, at, null, string.Empty));
        }

        Assert.Equal(0, Run("meter", "suspects", "--db", Db, "--output", "json"));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            var s = Assert.Single(doc.RootElement.GetProperty("suspects").EnumerateArray());
            Assert.Equal("cam-66", s.GetProperty("deviceId").GetString());
            Assert.Equal(SuspectStates.Flagged, s.GetProperty("state").GetString());
            Assert.Equal(28_900, s.GetProperty("observed").GetInt64());
            Assert.Equal(7_230.0 / 452, s.GetProperty("rateVsFleet").GetDouble(), 9);
            Assert.Equal(0.502, s.GetProperty("outOfDistributionShare").GetDouble());
            Assert.True(s.GetProperty("quotaCut").GetBoolean());
            Assert.Equal(at, s.GetProperty("flaggedAt").GetDateTimeOffset());
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "suspects", "--db", Db, "--all", "--output", "json"));
        using var all = JsonDocument.Parse(Out.ToString());
        Assert.Equal(["cam-01", "cam-66"], all.RootElement.GetProperty("suspects").EnumerateArray().Select(s => s.GetProperty("deviceId").GetString()).Order());
    }
}
