using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Learning;

public class FederatedClientTests
{
    private static LearningRig Ready(int samples = 60, int seed = 1, int outboxBytes = 64 * 1024)
    {
        var rig = new LearningRig(seed, outboxBytes);
        rig.AddSamples(samples);
        return rig;
    }

    [Fact]
    public void A_malformed_invite_is_refused_with_the_decoder_message()
    {
        var rig = Ready();
        var (status, detail) = rig.Handle([1, 2, 3]);
        Assert.Equal(CommandResultPayload.Refused, status);
        Assert.Contains(RoundInvite.CommandName, detail);
        Assert.Null(rig.Client.RoundId);
        Assert.False(rig.Storage.Exists(FederatedClient.RoundFile));
    }

    [Fact]
    public void Each_refusal_names_its_reason_and_leaves_no_round()
    {
        var rig = Ready(samples: 12);
        var past = rig.Invite(minSamples: 1);
        past.Deadline = rig.Clock.UnixSeconds - 1;
        Assert.Equal((CommandResultPayload.Refused, "deadline passed"), rig.Handle(past));

        var otherBase = rig.Invite(minSamples: 1);
        otherBase.BaseHash = new byte[32];
        Assert.Equal((CommandResultPayload.Refused, "base mismatch: runs mlp-v1"), rig.Handle(otherBase));

        var deep = rig.Invite(minSamples: 1);
        deep.Layers = 3;
        Assert.Equal((CommandResultPayload.Refused, "the model ends in 2 fully connected layers; 3 asked"), rig.Handle(deep));

        // The tap captures the input of the last layer: a two-layer round would need the features one layer earlier.
        var twoLayers = rig.Invite(minSamples: 1);
        twoLayers.Layers = 2;
        Assert.Equal((CommandResultPayload.Refused, "samples are features of 1-layer heads; 2 asked"), rig.Handle(twoLayers));

        Assert.Equal((CommandResultPayload.Refused, "12 samples < 50"), rig.Handle(rig.Invite(minSamples: 50)));

        rig.Memory.FreeHeapBytes = 20_000;
        var (status, detail) = rig.Handle(rig.Invite(minSamples: 10));
        Assert.Equal(CommandResultPayload.Refused, status);
        int need = FederatedClient.TrainingRamBytes(rig.Head!, 12, 1f);
        Assert.Equal("training needs " + need + " bytes, 20000 free (16384 kept)", detail);

        rig.Memory.FreeHeapBytes = need + rig.Options.MemoryMarginBytes;
        Assert.Equal((CommandResultPayload.Ok, "accepted: 12 samples"), rig.Handle(rig.Invite(minSamples: 10)));
        Assert.Equal("r1", rig.Client.RoundId);
    }

    [Fact]
    public void A_device_without_the_base_model_or_without_samples_refuses()
    {
        var bare = new LearningRig(install: false);
        Assert.Equal((CommandResultPayload.Refused, "no model in role plugged"), bare.Handle(bare.Invite(minSamples: 1)));

        var unlabelled = new LearningRig();
        Assert.Equal((CommandResultPayload.Refused, "0 samples < 1"), unlabelled.Handle(unlabelled.Invite(minSamples: 1)));
    }

    [Fact]
    public void A_repeated_invite_is_answered_as_before_and_resets_nothing()
    {
        var rig = Ready(samples: 60);
        var invite = rig.Invite();
        Assert.Equal((CommandResultPayload.Ok, "accepted: 60 samples"), rig.Handle(invite));
        rig.AddSamples(10, seed: 9);
        int writes = rig.Storage.Journal.Count;

        Assert.Equal((CommandResultPayload.Ok, "accepted: 60 samples"), rig.Handle(invite));
        Assert.Equal(writes, rig.Storage.Journal.Count);

        rig.PollReady();
        Assert.Equal(FederatedClient.StateUploaded, rig.Client.RoundState);
        Assert.Equal((CommandResultPayload.Ok, "uploaded as transfer 1"), rig.Handle(invite));
        rig.PollReady();
        Assert.Equal(1, rig.Client.Trainings);
        Assert.Single(rig.Transfers());

        // A new round replaces the old one.
        Assert.Equal(CommandResultPayload.Ok, rig.Handle(rig.Invite("r2")).Status);
        Assert.Equal("r2", rig.Client.RoundId);
        Assert.Equal(FederatedClient.StatePending, rig.Client.RoundState);
    }

    [Fact]
    public void Training_waits_for_external_power_and_idle_time()
    {
        var rig = Ready();
        var invite = rig.Invite();
        invite.IdleSeconds = 60;
        rig.Handle(invite);

        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: false, heavyWorkAllowed: true, idleSeconds: 3600);
        Assert.Equal((0, "r1: waiting for external power"), (rig.Client.Trainings, rig.Client.State[6..]));
        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: true, heavyWorkAllowed: true, idleSeconds: 59);
        Assert.Equal((0, "r1: waiting for 60 s without inference"), (rig.Client.Trainings, rig.Client.State[6..]));
        Assert.Empty(rig.Transfers());

        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: true, heavyWorkAllowed: true, idleSeconds: 60);
        Assert.Equal(1, rig.Client.Trainings);
        Assert.Equal(FederatedClient.StateUploaded, rig.Client.RoundState);
        Assert.Equal(1, rig.Client.RoundsUploaded);
    }

    [Fact]
    public void A_round_that_allows_battery_still_waits_for_enough_charge()
    {
        var rig = Ready();
        var invite = rig.Invite();
        invite.Flags = RoundInvite.FlagErrorFeedback;
        rig.Handle(invite);

        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: false, heavyWorkAllowed: false, idleSeconds: 3600);
        Assert.Equal(0, rig.Client.Trainings);
        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: false, heavyWorkAllowed: true, idleSeconds: 3600);
        Assert.Equal(1, rig.Client.Trainings);
    }

    [Fact]
    public void A_round_past_its_deadline_is_dropped_without_training_and_a_repeat_is_refused()
    {
        var rig = Ready();
        var invite = rig.Invite();
        rig.Handle(invite);
        rig.Client.Poll(rig.Clock.UnixSeconds, plugged: false, heavyWorkAllowed: true, idleSeconds: 0);
        rig.Clock.Advance(3601_000);

        rig.PollReady();

        Assert.Equal(FederatedClient.StateDropped, rig.Client.RoundState);
        Assert.Equal("deadline passed", rig.Client.DropReason);
        Assert.Equal(0, rig.Client.Trainings);
        Assert.Empty(rig.Transfers());
        Assert.Contains(rig.Log.Lines, l => l.StartsWith("warn: learning: round r1 dropped", StringComparison.Ordinal));
        Assert.Equal((CommandResultPayload.Refused, "round r1 was dropped: deadline passed"), rig.Handle(invite));

        // The drop is kept across a restart.
        rig.Boot();
        Assert.Equal(FederatedClient.StateDropped, rig.Client.RoundState);
    }

    [Fact]
    public void The_upload_is_a_model_delta_with_the_rounds_ids_the_sample_count_and_the_heads_tensors()
    {
        var rig = Ready(samples: 80);
        var invite = rig.Invite();
        invite.MaxSamples = 50;
        invite.KeepFraction = 0.1f;
        rig.Handle(invite);
        rig.PollReady();

        var (transferId, bytes) = rig.Upload();
        Assert.Equal(rig.Client.TransferId, transferId);
        var delta = ModelDelta.Decode(bytes);
        Assert.Equal(("r1", "mlp-v1", 50u), (delta.RoundId, delta.BaseVariantId, delta.SampleCount));
        Assert.Equal(["op2.weights", "op2.bias"], delta.Tensors.Select(t => t.Name));
        Assert.Equal(rig.Head!.TensorSizes(), delta.Tensors.Select(t => t.ElementCount));
        Assert.Equal((ModelDelta.EncodingTopK, 4), (delta.Tensors[0].Encoding, delta.Tensors[0].Values.Length));
        Assert.NotNull(rig.Client.LastTraining);
        Assert.Equal(2 * 50, rig.Client.LastTraining!.SamplesSeen);
        Assert.InRange(rig.Client.PeakTrainingBytes, HeadTrainer.RamBytes(rig.Head, 50) + 1, FederatedClient.TrainingRamBytes(rig.Head, 50, 0.1f));
    }

    [Fact]
    public void The_update_is_the_clipped_delta_and_what_encoding_left_out_stays_in_the_residual()
    {
        var rig = Ready(samples: 60);
        var invite = rig.Invite();
        invite.KeepFraction = 0.2f;
        invite.ClipNorm = 0.05f;
        rig.Handle(invite);
        rig.PollReady();

        // The same training in the test: the device's seed is the round's seed xor the CRC of its id.
        var head = rig.Head!;
        var trainer = new HeadTrainer(head);
        var tensors = head.NewTensors();
        head.Dequantize(rig.Model, tensors);
        trainer.SetGlobal(tensors);
        var idBytes = System.Text.Encoding.UTF8.GetBytes(LearningRig.DeviceId);
        var rng = new Random((int)(invite.Seed ^ Shared.Util.Crc32.Compute(idBytes, 0, idBytes.Length)));
        trainer.Train(rig.Client.Samples.Latest(60), new TrainingParams { Epochs = 2, BatchSize = 8, LearningRate = 0.1f }, rng);
        var clipped = head.NewTensors();
        trainer.Delta(clipped);
        Assert.NotEqual(1f, DeltaCodec.ClipL2(clipped, invite.ClipNorm));

        var sent = LearningRig.Decode(ModelDelta.Decode(rig.Upload().Bytes));
        var residual = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.True(residual.Matches(head.ExtractorFingerprint(rig.Model), head));
        Assert.Contains(residual.Values.SelectMany(v => v), v => v != 0);
        for (int t = 0; t < clipped.Length; t++)
        {
            for (int i = 0; i < clipped[t].Length; i++)
            {
                Assert.Equal(clipped[t][i], sent[t][i] + residual.Values[t][i], 5);
            }
        }
    }

    [Fact]
    public void A_poisoned_device_sends_the_flipped_update()
    {
        var honest = Ready(samples: 60);
        var poisoned = Ready(samples: 60);
        poisoned.Options.PoisonFactor = -10f;
        foreach (var rig in new[] { honest, poisoned })
        {
            var invite = rig.Invite();
            invite.ClipNorm = 100f;
            rig.Handle(invite);
            rig.PollReady();
        }

        var h = LearningRig.Decode(ModelDelta.Decode(honest.Upload().Bytes)).SelectMany(t => t).ToArray();
        var p = LearningRig.Decode(ModelDelta.Decode(poisoned.Upload().Bytes)).SelectMany(t => t).ToArray();
        double dot = h.Zip(p).Sum(x => (double)x.First * x.Second);
        double norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
        Assert.True(dot < 0, "dot " + dot);
        Assert.InRange(norm(p) / norm(h), 9, 11);
    }

    [Fact]
    public void After_an_upload_a_restart_never_trains_or_uploads_the_round_again()
    {
        var rig = Ready();
        rig.Handle(rig.Invite());
        rig.PollReady();
        var first = rig.Upload();

        rig.Boot();
        for (int i = 0; i < 5; i++)
        {
            rig.PollReady();
        }

        Assert.Equal(FederatedClient.StateUploaded, rig.Client.RoundState);
        Assert.Equal(0, rig.Client.Trainings);
        Assert.Equal(first.Bytes, rig.Upload().Bytes);
        Assert.Equal((CommandResultPayload.Ok, "uploaded as transfer 1"), rig.Handle(rig.Invite()));
    }

    [Fact]
    public void The_residual_survives_a_restart_and_goes_into_the_next_rounds_update()
    {
        var rig = Ready();
        var invite = rig.Invite();
        invite.KeepFraction = 0.1f;
        rig.Handle(invite);
        rig.PollReady();
        var kept = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.Contains(kept.Values.SelectMany(v => v), v => v != 0);

        // Two copies of the flash after a restart, one without the residual: round 2 differs by exactly that residual.
        var without = rig.Storage.Clone();
        without.Delete(FederatedClient.ResidualFileName);
        var withResidual = Round2(rig.Storage);
        var withoutResidual = Round2(without);
        for (int t = 0; t < kept.Values.Length; t++)
        {
            for (int i = 0; i < kept.Values[t].Length; i++)
            {
                Assert.Equal(withoutResidual.Sum[t][i] + kept.Values[t][i], withResidual.Sum[t][i], 5);
            }
        }

        (float[][] Sum, ResidualFile After) Round2(MemoryStorage storage)
        {
            var outbox = new Core.Sync.Outbox(storage, "outbox-2.log", LearningRig.DeviceId, 64 * 1024);
            var client = new FederatedClient(storage, new Core.Models.VariantStore(storage, Models.TestModels.DeviceKey), new Core.Sync.ChunkedUpload(outbox, LearningRig.DeviceId, 256), LearningRig.DeviceId, rig.Clock, rig.Log, rig.Options, rig.Memory);
            client.UseModel(rig.Model);
            var next = rig.Invite("r2");
            next.KeepFraction = 0.1f;
            Assert.Equal(CommandResultPayload.Ok, client.Handle(new CommandPayload { CommandId = 1, Name = RoundInvite.CommandName, Arguments = next.Encode() }, out _));
            client.Poll(rig.Clock.UnixSeconds, true, true, 3600);
            Assert.Equal(FederatedClient.StateUploaded, client.RoundState);
            var sent = LearningRig.Decode(ModelDelta.Decode(LearningRig.Upload(outbox).Bytes));
            var after = ResidualFile.Read(storage, FederatedClient.ResidualFileName)!;

            // What round 2 encoded: its clipped delta plus the residual it started from, split into sent and kept.
            return ([.. sent.Select((s, t) => s.Select((v, i) => v + after.Values[t][i]).ToArray())], after);
        }
    }

    [Fact]
    public void An_update_the_full_outbox_refuses_is_queued_later_without_training_again()
    {
        var rig = Ready(outboxBytes: 2048);
        int fillers = 0;
        while (rig.Outbox.Enqueue(MessageKind.CommandResult, new byte[200], 0, false).Accepted)
        {
            fillers++;
        }

        rig.Handle(rig.Invite());
        rig.PollReady();
        rig.PollReady();
        Assert.Equal(1, rig.Client.Trainings);
        Assert.True(rig.Client.UploadWaiting);
        Assert.Equal(FederatedClient.StatePending, rig.Client.RoundState);
        Assert.EndsWith("outbox full, transfer 1 waits", rig.Client.State, StringComparison.Ordinal);
        Assert.Empty(rig.Transfers());

        // A restart keeps the committed update; once acks free the outbox it goes out with the same transfer id.
        rig.Boot();
        rig.PollReady();
        Assert.Empty(rig.Transfers());
        rig.Outbox.Acknowledge(new AckPayload([1], [(uint)fillers]));
        rig.PollReady();

        Assert.Equal(0, rig.Client.Trainings);
        Assert.Equal(FederatedClient.StateUploaded, rig.Client.RoundState);
        var (transferId, bytes) = rig.Upload();
        Assert.Equal(1u, transferId);
        Assert.Equal("r1", ModelDelta.Decode(bytes).RoundId);
    }

    [Fact]
    public void An_update_still_waiting_for_the_outbox_at_the_deadline_goes_back_into_the_residual()
    {
        var rig = Ready(outboxBytes: 2048);
        while (rig.Outbox.Enqueue(MessageKind.CommandResult, new byte[200], 0, false).Accepted)
        {
        }

        var invite = rig.Invite();
        invite.KeepFraction = 1f;
        rig.Handle(invite);
        rig.PollReady();
        var committed = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.NotNull(committed.Upload);
        var sent = LearningRig.Decode(ModelDelta.Decode(committed.Upload));

        rig.Clock.Advance(3601_000);
        rig.PollReady();

        Assert.Equal(FederatedClient.StateDropped, rig.Client.RoundState);
        var after = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.Null(after.Upload);
        Assert.Equal("", after.RoundId);
        for (int t = 0; t < sent.Length; t++)
        {
            for (int i = 0; i < sent[t].Length; i++)
            {
                Assert.Equal(committed.Values[t][i] + sent[t][i], after.Values[t][i], 6);
            }
        }
    }

    [Fact]
    public void A_new_round_replacing_one_whose_update_still_waits_returns_that_update_to_the_residual()
    {
        var rig = Ready(outboxBytes: 2048);
        while (rig.Outbox.Enqueue(MessageKind.CommandResult, new byte[200], 0, false).Accepted)
        {
        }

        rig.Handle(rig.Invite());
        rig.PollReady();
        var committed = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        var sent = LearningRig.Decode(ModelDelta.Decode(committed.Upload));

        Assert.Equal((CommandResultPayload.Ok, "accepted: 60 samples"), rig.Handle(rig.Invite("r2")));

        Assert.Equal(("r2", FederatedClient.StatePending, false), (rig.Client.RoundId, rig.Client.RoundState, rig.Client.UploadWaiting));
        var after = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.Null(after.Upload);
        Assert.Equal(committed.Values[0][3] + sent[0][3], after.Values[0][3], 6);
        Assert.Contains(rig.Log.Lines, l => l == "warn: learning: round r1 replaced by r2");
        Assert.Empty(rig.Transfers());
    }

    [Fact]
    public void A_round_without_error_feedback_neither_uses_nor_clears_the_residual()
    {
        var rig = Ready();
        var invite = rig.Invite();
        invite.KeepFraction = 0.1f;
        rig.Handle(invite);
        rig.PollReady();
        var kept = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;

        var plain = rig.Invite("r2");
        plain.KeepFraction = 0.1f;
        plain.Flags = RoundInvite.FlagRequirePlugged;
        rig.Handle(plain);
        rig.PollReady();

        Assert.Equal(FederatedClient.StateUploaded, rig.Client.RoundState);
        var after = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.Equal("r2", after.RoundId);
        Assert.Equal(kept.Values, after.Values);
    }

    [Fact]
    public void The_residual_resets_when_the_heads_layout_changes()
    {
        var rig = Ready();
        var invite = rig.Invite();
        invite.KeepFraction = 0.1f;
        rig.Handle(invite);
        rig.PollReady();
        var residual = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        residual.Sizes[0]++;
        residual.Values[0] = [.. residual.Values[0], 1f];
        residual.Names[0] = "op9.weights";
        residual.Write(rig.Storage, FederatedClient.ResidualFileName);

        var next = rig.Invite("r2");
        next.KeepFraction = 0.1f;
        rig.Handle(next);
        rig.PollReady();

        Assert.Contains(rig.Log.Lines, l => l.Contains("residual reset", StringComparison.Ordinal));
        var after = ResidualFile.Read(rig.Storage, FederatedClient.ResidualFileName)!;
        Assert.True(after.Matches(rig.Head!.ExtractorFingerprint(rig.Model), rig.Head));
    }
}
