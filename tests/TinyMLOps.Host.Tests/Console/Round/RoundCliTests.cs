using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Console.Round;

/// <summary>round start, status, history and cancel through the real command tree.</summary>
public sealed class RoundCliTests : ConsoleTest
{
    private (string Registry, string Db) Seed()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        byte[] file = BrightestModel.Build("fc-a", 90, ["left", "middle", "right"]);
        var summary = ModelSummary.Of(file);
        VariantRegistry.Open(registry).Add(new VariantArtifact("fc-a", "brightest", 0, summary.ContentHash, "fc", 1, 0.9, 100, summary, "first release", DateTimeOffset.UnixEpoch), file);
        return (registry, Path.Combine(Dir.FullName, "fleet.db"));
    }

    [Fact]
    public async Task A_round_is_recorded_refused_twice_shown_with_its_gate_per_class_listed_in_the_history_and_cancelled()
    {
        var (registry, db) = Seed();
        string[] common = ["--registry", registry, "--db", db];

        Assert.Equal(0, Run(["round", "start", "fc-a", "--fleet", "lab", "--min", "1", "--target", "3", "--keep", "0.2", .. common]));
        Assert.Contains("round r1: fc-a v1, fedavg, 1 layer(s), 1-3 devices", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["round", "start", "fc-a", "--fleet", "lab", .. common]));
        Assert.Contains("round r1 (configured) already trains this role and cohort", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["round", "start", "fc-a", "--fleet", "other", "--layers", "3", .. common]));
        Assert.Contains("ends in 1 fully connected layer(s); the round trains 3", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run(["round", "start", "fc-a", "--fleet", "other", "--keep", "0", .. common]));
        Assert.Contains("keep fraction", Out.ToString());

        // What the host service would have written: two deltas in, and a candidate held back by the gate.
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
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
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["round", "status", .. common]));
        string status = Out.ToString();
        Assert.Contains("round r1  rejected", status);
        Assert.Contains("devices: 3/3 answered, 2 delta(s) of 1 needed, 800 B uplink", status);
        Assert.Contains("0 samples < 20", status);
        Assert.Contains("current 80.00 %, candidate 82.00 % (+2.00 points)", status);
        Assert.Contains("-14.00", status);
        Assert.Contains("gate: class 'right' drops 14.00 points", status);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["round", "history", "--db", db]));
        string history = Out.ToString();
        Assert.Contains("10.0x smaller", history);
        Assert.Contains("2/3", history);
        Assert.Contains("held-out accuracy after each round", history);

        // A finished round stays as it is; a new one can start and be cancelled.
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run(["round", "cancel", "r1", .. common]));
        Assert.Equal(0, Run(["round", "start", "fc-a", "--fleet", "lab", "--id", "second", .. common]));
        Assert.Equal(0, Run(["round", "cancel", "second", "--reason", "wrong cohort", .. common]));
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            Assert.Equal(RoundStates.Rejected, (await store.GetRoundAsync("r1"))!.State);
            var second = (await store.GetRoundAsync("second"))!;
            Assert.Equal((RoundStates.Cancelled, "cancelled: wrong cohort"), (second.State, second.Reason));
        }
    }
}
