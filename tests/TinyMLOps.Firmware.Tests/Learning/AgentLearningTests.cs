using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Sync;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Learning;

/// <summary>Federated rounds through the sync loop: the invite as a host command, training in the agent's poll, the update as chunks the host reassembles.</summary>
public class AgentLearningTests
{
    private sealed class QueueFeedback : IFeedback
    {
        public Queue<int> Labels { get; } = new();

        public bool TryTakeLabel(out int label) => Labels.TryDequeue(out label);
    }

    private static AgentRig KeyedRig(SignedModel model)
    {
        var rig = new AgentRig(seed: 6, c => c.ArtifactKey = TestModels.DeviceKey);
        var slots = rig.Agent.Variants.Store.Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, slots.Stage(model.Bytes, model.Hash, model.Tag, model.VariantId));
        Assert.Equal(ModelResult.Ok, slots.Activate());
        return rig;
    }

    private static RoundInvite Invite(AgentRig rig, SignedModel model, int minSamples) => new()
    {
        RoundId = "round-7",
        Role = VariantAssignment.RolePlugged,
        BaseVariantId = model.VariantId,
        BaseHash = model.Hash,
        MinSamples = minSamples,
        IdleSeconds = 30,
        Deadline = rig.Clock.UnixSeconds + 600,
        Seed = 9,
    };

    private static CommandResultPayload Result(AgentRig rig, uint id) =>
        rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).Single(r => r.CommandId == id);

    [Fact]
    public void An_agent_without_a_key_does_not_learn()
    {
        var rig = new AgentRig();
        Assert.Null(rig.Agent.Learning);
        Assert.False(rig.Agent.Commands.IsRegistered(RoundInvite.CommandName));
        Assert.False(rig.Agent.ObserveLabel(new sbyte[4], 1));
    }

    [Fact]
    public void Labelled_samples_become_an_update_the_host_reassembles_after_the_device_idles()
    {
        var model = LearningModels.Signed(3);
        var rig = KeyedRig(model);
        var learning = rig.Agent.Learning;
        Assert.True(rig.Agent.Commands.IsRegistered(RoundInvite.CommandName));

        // The app binds the model, sets the tap, and reports each classification's features with the user's label.
        var head = learning.UseModel(ModelReader.Read(model.Bytes))!;
        var features = new sbyte[head.FeatureLength];
        var feedback = new QueueFeedback();
        rig.Agent.Feedback = feedback;
        var rng = new Random(4);
        for (int s = 0; s < 40; s++)
        {
            rng.NextBytes((byte[])(Array)features);
            feedback.Labels.Enqueue(s % head.ClassCount);
            Assert.True(rig.Agent.ObserveFeedback(features));
            Assert.False(rig.Agent.ObserveFeedback(features)); // no label for the next one
            rig.Agent.ObserveInference(model.VariantId, 60000);
        }

        Assert.Equal(40, learning.Samples.Count);
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 71, Name = RoundInvite.CommandName, Arguments = Invite(rig, model, 30).Encode() }.Encode());
        rig.SyncUntilEmpty();
        Assert.Equal((CommandResultPayload.Ok, "accepted: 40 samples"), (Result(rig, 71).Status, Result(rig, 71).Detail));

        // The sync above took a few seconds: not idle long enough yet.
        Assert.Equal(0, learning.Trainings);
        rig.Clock.Advance(30_000);
        rig.SyncUntilEmpty();
        Assert.Equal(1, learning.Trainings);

        var assembler = new ChunkAssembler(new Platform.MemoryStorage(), "up", 64);
        foreach (var m in rig.Host.StoredOfKind(MessageKind.Chunk))
        {
            var chunk = ChunkPayload.Decode(m.Payload);
            Assert.Equal(ModelDelta.ContentType, chunk.ContentType);
            assembler.Accept(chunk);
        }

        var delta = ModelDelta.Decode(assembler.ReadArtifact());
        Assert.Equal(("round-7", model.VariantId, 40u), (delta.RoundId, delta.BaseVariantId, delta.SampleCount));
        Assert.Equal(head.TensorNames(), delta.Tensors.Select(t => t.Name));
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void A_device_without_feedback_answers_invites_with_no_samples()
    {
        var model = LearningModels.Signed(3);
        var rig = KeyedRig(model);
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 72, Name = RoundInvite.CommandName, Arguments = Invite(rig, model, 1).Encode() }.Encode());
        rig.SyncUntilEmpty();

        Assert.Equal((CommandResultPayload.Refused, "0 samples < 1"), (Result(rig, 72).Status, Result(rig, 72).Detail));
        Assert.False(rig.Agent.ObserveFeedback(new sbyte[8]));
    }

    [Fact]
    public void The_agent_passes_its_memory_to_training_and_counts_idle_time_from_the_last_inference()
    {
        var model = LearningModels.Signed(3);
        var rig = KeyedRig(model);
        var memory = new FakeMemory(1000);
        rig.Agent.Memory = memory;
        Assert.Same(memory, rig.Agent.Learning.Memory);

        rig.Clock.Advance(90_000);
        Assert.Equal(90, rig.Agent.IdleSeconds);
        rig.Agent.ObserveInference(model.VariantId, 1);
        rig.Clock.Advance(5_000);
        Assert.Equal(5, rig.Agent.IdleSeconds);
        rig.Agent.CountInference();
        Assert.Equal(0, rig.Agent.IdleSeconds);
    }

    [Fact]
    public void Samples_saved_on_flash_are_kept_across_a_reboot_for_the_same_model()
    {
        var model = LearningModels.Signed(3);
        var rig = KeyedRig(model);
        var parsed = ModelReader.Read(model.Bytes);
        var head = rig.Agent.Learning.UseModel(parsed)!;
        for (int s = 0; s < 40; s++)
        {
            Assert.True(rig.Agent.ObserveLabel(new sbyte[head.FeatureLength], s % head.ClassCount));
        }

        Assert.False(rig.Agent.ObserveLabel(new sbyte[head.FeatureLength], head.ClassCount));
        rig.Reboot();
        rig.Agent.Learning.UseModel(parsed);

        // Saved every 32 adds by default: the last 8 were only in RAM.
        Assert.Equal(new LearningOptions().SaveEvery, rig.Agent.Learning.Samples.Count);
    }
}
