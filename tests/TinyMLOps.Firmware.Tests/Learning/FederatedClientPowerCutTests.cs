using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Firmware.Tests.Learning;

/// <summary>
/// Cuts the power at every flash mutation of a round's training step (the transfer id, the residual commit with its
/// parts, every outbox append of the chunks, the round's uploaded mark), after none, half or all of its bytes, with
/// atomic and delete-then-move renames; then restarts and polls. Training is seeded, so a retrain reproduces the same
/// update: the outbox must end with exactly one complete transfer holding the uncut run's bytes, and the residual on
/// flash must be the uncut run's.
/// </summary>
public class FederatedClientPowerCutTests
{
    private static LearningRig Prepared(bool renameDeletesTargetFirst)
    {
        // Tiny chunks, so the update is several outbox entries and a cut can fall between them.
        var rig = new LearningRig(seed: 4, chunkBytes: 24, renameDeletesTargetFirst: renameDeletesTargetFirst);
        rig.AddSamples(40);
        rig.Client.Samples.Save();
        var invite = rig.Invite();
        invite.KeepFraction = 0.3f;
        Assert.Equal(0, rig.Handle(invite).Status);
        return rig;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_cut_anywhere_in_a_round_never_uploads_twice_and_never_loses_the_residual(bool renameDeletesTargetFirst)
    {
        var baseline = Prepared(renameDeletesTargetFirst);
        int start = baseline.Storage.Journal.Count;
        baseline.PollReady();
        var (_, expected) = baseline.Upload();
        var residual = ResidualFile.Read(baseline.Storage, FederatedClient.ResidualFileName)!;
        var ops = baseline.Storage.Journal.Skip(start).ToList();
        Assert.True(expected.Length > 24 * 2, "the update spans several chunks");
        Assert.Contains(ops, op => op.Name == FederatedClient.RoundFile + ".tmp");
        Assert.Contains(ops, op => op.Operation == "append" && op.Name == "outbox.log");

        int cases = 0;
        for (int cut = 0; cut < ops.Count; cut++)
        {
            foreach (int keep in new[] { 0, ops[cut].Bytes / 2, ops[cut].Bytes }.Distinct())
            {
                var rig = Prepared(renameDeletesTargetFirst);
                rig.Storage.CutPowerAt(start + cut, keep);
                Assert.Throws<PowerLossException>(rig.PollReady);

                rig.Boot();
                rig.PollReady();
                rig.PollReady();
                string what = $"cut at {ops[cut].Operation} {ops[cut].Name} keeping {keep}";
                Assert.True(rig.Client.RoundState == FederatedClient.StateUploaded, what + ": " + rig.Client.State);
                var (transferId, bytes) = rig.Upload();
                Assert.True(expected.SequenceEqual(bytes), what + ": another update was uploaded");
                Assert.Equal(rig.Client.TransferId, transferId);

                var kept = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
                Assert.NotNull(kept);
                for (int t = 0; t < residual.Values.Length; t++)
                {
                    Assert.True(residual.Values[t].SequenceEqual(kept.Values[t]), what + ": residual " + residual.Names[t] + " differs");
                }

                cases++;
            }
        }

        Assert.True(cases >= 20, cases + " cases");
    }

    [Fact]
    public void Every_commit_takes_a_new_transfer_id_so_an_id_never_carries_two_updates()
    {
        // A cut after the id is taken but before the commit: the retrain takes the next id.
        var rig = Prepared(false);
        int start = rig.Storage.Journal.Count;
        var probe = Prepared(false);
        probe.PollReady();
        int residualWrite = probe.Storage.Journal.FindIndex(start, op => op.Name == FederatedClient.ResidualFileName + ".tmp");
        Assert.True(residualWrite > start);

        rig.Storage.CutPowerAt(residualWrite, 0);
        Assert.Throws<PowerLossException>(rig.PollReady);
        rig.Boot();
        Assert.Equal(1u, rig.Client.TransferId);
        rig.PollReady();

        Assert.Equal(2u, rig.Client.TransferId);
        Assert.Equal(2u, rig.Upload().TransferId);
        Assert.Equal(ModelDelta.Decode(probe.Upload().Bytes).Tensors.Length, ModelDelta.Decode(rig.Upload().Bytes).Tensors.Length);
    }
}
