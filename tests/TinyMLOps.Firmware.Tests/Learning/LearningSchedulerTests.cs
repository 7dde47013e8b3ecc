using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Learning;

/// <summary>Federated rounds through the sync loop: the invite as a host command, training in the sync loop's poll, the update as chunks the host reassembles.</summary>
public class LearningSchedulerTests
{
    private sealed class QueueFeedback : IFeedback
    {
        public Queue<int> Labels { get; } = new();

        public bool TryTakeLabel(out int label) => Labels.TryDequeue(out label);
    }

    private static DeviceRig KeyedRig(SignedModel model, IFeedback? feedback = null, IMemoryInfo? memory = null)
    {
        var rig = new DeviceRig(seed: 6, c => c.ArtifactKey = TestModels.DeviceKey, feedback: feedback, memory: memory);
        var slots = rig.Device.Variants.Store.Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, slots.Stage(model.Bytes, model.Hash, model.Tag, model.VariantId));
        Assert.Equal(ModelResult.Ok, slots.Activate());
        return rig;
    }

    private static RoundInvite Invite(DeviceRig rig, SignedModel model, int minSamples) => new()
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

    private static CommandResultPayload Result(DeviceRig rig, uint id) =>
        rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).Single(r => r.CommandId == id);

    [Fact]
    public void A_device_without_a_key_does_not_learn()
    {
        var feedback = new QueueFeedback();
        feedback.Labels.Enqueue(1);
        var rig = new DeviceRig(feedback: feedback);
        Assert.Null(rig.Device.Learning);
        Assert.False(rig.Device.Commands.IsRegistered(RoundInvite.CommandName));
        Assert.False(rig.Device.ObserveFeedback(new sbyte[4]));
    }

    [Fact]
    public void Labelled_samples_become_an_update_the_host_reassembles_after_the_device_idles()
    {
        var model = LearningModels.Signed(3);
        var feedback = new QueueFeedback();
        var rig = KeyedRig(model, feedback);
        var learning = rig.Device.Learning;
        Assert.True(rig.Device.Commands.IsRegistered(RoundInvite.CommandName));

        // The app binds the model, sets the tap, and reports each classification's features with the user's label.
        var head = learning.UseModel(ModelReader.Read(model.Bytes))!;
        var features = new sbyte[head.FeatureLength];
        var rng = new Random(4);
        for (int s = 0; s < 40; s++)
        {
            rng.NextBytes((byte[])(Array)features);
            feedback.Labels.Enqueue(s % head.ClassCount);
            Assert.True(rig.Device.ObserveFeedback(features));
            Assert.False(rig.Device.ObserveFeedback(features)); // no label for the next one
            rig.Device.ObserveInference(model.VariantId, 60000);
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
        Assert.False(rig.Device.ObserveFeedback(new sbyte[8]));
    }

    [Fact]
    public void Training_is_sized_by_the_memory_adapter_and_idle_time_counts_from_the_last_inference_or_failure()
    {
        var model = LearningModels.Signed(3);
        var memory = new FakeMemory(1000);
        var rig = KeyedRig(model, memory: memory);
        Assert.Same(memory, rig.Device.Learning.Memory);

        rig.Clock.Advance(90_000);
        Assert.Equal(90, rig.Device.Activity.IdleSeconds);
        rig.Device.ObserveInference(model.VariantId, 1);
        rig.Clock.Advance(5_000);
        Assert.Equal(5, rig.Device.Activity.IdleSeconds);
        rig.Device.ObserveError(model.VariantId);
        Assert.Equal(0, rig.Device.Activity.IdleSeconds);
    }

    [Fact]
    public void Samples_saved_on_flash_are_kept_across_a_reboot_for_the_same_model()
    {
        var model = LearningModels.Signed(3);
        var rig = KeyedRig(model);
        var parsed = ModelReader.Read(model.Bytes);
        var head = rig.Device.Learning.UseModel(parsed)!;
        for (int s = 0; s < 40; s++)
        {
            Assert.True(rig.Device.Learning.AddSample(new sbyte[head.FeatureLength], 0, s % head.ClassCount));
        }

        Assert.False(rig.Device.Learning.AddSample(new sbyte[head.FeatureLength], 0, head.ClassCount));
        rig.Reboot();
        rig.Device.Learning.UseModel(parsed);

        // Saved every 32 adds by default: the last 8 were only in RAM.
        Assert.Equal(new LearningOptions().SaveEvery, rig.Device.Learning.Samples.Count);
    }
}
