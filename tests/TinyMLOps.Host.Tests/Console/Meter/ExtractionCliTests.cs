using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Console.Meter;

/// <summary>`meter suspects` and `meter clear-suspect` through the real command tree.</summary>
public sealed class ExtractionCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private async Task SeedAsync()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord("cam-01", SuspectStates.Normal, 0, "none", "fashion", 1_440, 360, 355, 452, 0.1, 0, 0.01, false, at, null, null, string.Empty));
        await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord(
            "cam-66", SuspectStates.Flagged, 3, "rate 7230/h is 16.0x the fleet median 452/h; out of distribution 50 %; near duplicates 48 %", "fashion", 28_900, 7_230, 7_080, 452, 0.033, 0.502, 0.479, true, at, at, null, string.Empty));
    }

    [Fact]
    public async Task Meter_suspects_lists_flagged_devices_with_their_signals_and_clear_suspect_restores_their_quota()
    {
        await SeedAsync();
        Assert.Equal(0, Run("meter", "suspects", "--db", Db));
        string output = Out.ToString();
        Assert.Contains("cam-66", output);
        Assert.DoesNotContain("cam-01", output);
        Assert.Matches(@"cam-66\s+│\s+flagged\s+│\s+fashion\s+│\s+28,900\s+│\s+7,230\s+│\s+1\.0x\s+│\s+16\.0x", output);
        Assert.Contains("███░░ 50 %", output);
        Assert.Contains("cam-66: rate 7230/h is 16.0x the fleet median", output);
        Assert.Contains("cut", output);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "suspects", "--db", Db, "--all"));
        Assert.Contains("cam-01", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("meter", "clear-suspect", "cam-66", "--db", Db, "--note", "customer's own test rig"));
        Assert.Contains("extraction flag of cam-66 cleared", Out.ToString());
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            var s = (await store.GetExtractionSuspectAsync("cam-66"))!;
            Assert.Equal((SuspectStates.Cleared, false, "customer's own test rig"), (s.State, s.QuotaCut, s.Note));
        }

        Assert.Equal(1, Run("meter", "clear-suspect", "cam-66", "--db", Db, "--note", "again"));
        Assert.Contains("not flagged", Out.ToString());
    }
}
