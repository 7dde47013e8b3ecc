using System.Text.Json;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Console.Round;

/// <summary>`round history` and `round status [ID]` with `--output json`, over a round the gate held back.</summary>
public sealed class RoundJsonCliTests : ConsoleTest
{
    /// <summary>A started round r1 with two deltas in and one device declined, and a result the gate rejected.</summary>
    private async Task<string[]> SeedAsync()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        byte[] file = BrightestModel.Build("fc-a", 90, ["left", "middle", "right"]);
        var summary = ModelSummary.Of(file);
        VariantRegistry.Open(registry).Add(new VariantArtifact("fc-a", "brightest", 0, summary.ContentHash, "fc", 1, 0.9, 100, summary, "first release", DateTimeOffset.UnixEpoch), file);
        string db = Path.Combine(Dir.FullName, "fleet.db");
        string[] common = ["--registry", registry, "--db", db];
        Assert.Equal(0, Run(["round", "start", "fc-a", "--fleet", "lab", "--min", "1", "--target", "3", "--keep", "0.2", .. common]));
        Out.GetStringBuilder().Clear();

        await using var store = await FleetStoreFactory.OpenAsync(null, db);
        var round = (await store.GetRoundAsync("r1"))!;
        var now = DateTimeOffset.UtcNow;
        foreach (var (device, state, samples) in new[] { ("d1", ParticipantStates.Uploaded, 120L), ("d2", ParticipantStates.Uploaded, 80L), ("d3", ParticipantStates.Declined, 0L) })
        {
            await store.UpsertRoundParticipantAsync(new RoundParticipantRecord("r1", device, state, 1, now, now, state == ParticipantStates.Uploaded ? 1 : null, samples, state == ParticipantStates.Uploaded ? 400 : null, state == ParticipantStates.Declined ? "0 samples < 20" : "accepted"));
        }

        var result = new RoundResult
        {
            Invited = 3, Uploaded = 2, Declined = 1, Samples = 200, DeltaBytes = 800, Float32Bytes = 8_000, Strategy = "FedAvg", ClientsUsed = 2,
            CurrentAccuracy = 0.80, CandidateAccuracy = 0.82, Labels = ["left", "middle", "right"],
            CurrentPerClass = [0.9, 0.7, 0.8], CandidatePerClass = [0.95, 0.85, 0.66], GateReasons = ["class 'right' drops 14.00 points (limit 2.00)"],
        };
        Assert.True(await store.UpdateRoundAsync(round with { State = RoundStates.Rejected, Reason = "gate: class 'right' drops 14.00 points (limit 2.00)", Result = result.ToJson() }, round.Version));
        return common;
    }

    [Fact]
    public async Task Round_history_json_gives_each_round_its_result_and_compression()
    {
        string[] common = await SeedAsync();
        Assert.Equal(0, Run(["round", "history", "--db", common[3], "--output", "json"]));
        using var doc = JsonDocument.Parse(Out.ToString());
        var round = Assert.Single(doc.RootElement.GetProperty("rounds").EnumerateArray());
        Assert.Equal("r1", round.GetProperty("roundId").GetString());
        Assert.Equal(RoundStates.Rejected, round.GetProperty("state").GetString());
        Assert.Equal(10.0, round.GetProperty("compressionVsFloat32").GetDouble());
        var result = round.GetProperty("result");
        Assert.Equal(0.82, result.GetProperty("candidateAccuracy").GetDouble());
        Assert.Equal(200, result.GetProperty("samples").GetInt64());
        Assert.Equal([0.95, 0.85, 0.66], result.GetProperty("candidatePerClass").EnumerateArray().Select(x => x.GetDouble()));
    }

    [Fact]
    public async Task Round_status_json_counts_the_participants_and_refuses_watch()
    {
        string[] common = await SeedAsync();
        Assert.Equal(0, Run(["round", "status", "r1", "--output", "json", .. common]));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            var root = doc.RootElement;
            Assert.Equal(3, root.GetProperty("invited").GetInt32());
            Assert.Equal(2, root.GetProperty("uploaded").GetInt32());
            Assert.Equal(800, root.GetProperty("uplinkBytes").GetInt64());
            Assert.Equal(1, root.GetProperty("participantsByState").GetProperty(ParticipantStates.Declined).GetInt32());
            Assert.Equal(0.2, root.GetProperty("config").GetProperty("keepFraction").GetDouble(), 6);
            Assert.Equal(1, root.GetProperty("config").GetProperty("minParticipants").GetInt32());
            var d1 = root.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("deviceId").GetString() == "d1");
            Assert.Equal(120, d1.GetProperty("samples").GetInt64());
            Assert.Equal("FedAvg", root.GetProperty("round").GetProperty("result").GetProperty("strategy").GetString());
        }

        Out.GetStringBuilder().Clear();
        Assert.NotEqual(0, Run(["round", "status", "r1", "--watch", "--output", "json", .. common]));
        Assert.Contains("--watch redraws a view", Flat());
    }
}
