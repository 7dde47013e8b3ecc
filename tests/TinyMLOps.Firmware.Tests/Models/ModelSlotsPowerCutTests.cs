using TinyMLOps.Firmware.Core;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>
/// Cuts the power at every mutation of an operation and, for writes, after every byte count from 0 to all of
/// them; then reboots (reopens) and checks the device runs a verified, loadable model that is wholly the old or
/// wholly the new one, and that the operation can be done again to completion.
/// </summary>
public class ModelSlotsPowerCutTests
{
    private static readonly SignedModel V0 = TestModels.Signed("v0", 10);
    private static readonly SignedModel V1 = TestModels.Signed("v1", 11);
    private static readonly SignedModel V2 = TestModels.Signed("v2", 12);

    public static TheoryData<bool, bool> Layouts() => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_power_cut_at_every_step_and_byte_of_staging_and_activation_leaves_the_old_or_the_new_model(bool renameDeletesTargetFirst, bool withPrevious)
    {
        var baseline = Baseline(renameDeletesTargetFirst, withPrevious);

        int cuts = CutEverywhere(
            baseline,
            slots =>
            {
                Assert.Equal(ModelResult.Ok, slots.Stage(V2.Bytes, V2.Hash, V2.Tag, V2.VariantId));
                Assert.Equal(ModelResult.Ok, slots.Activate());
            },
            (storage, slots) =>
            {
                if (slots.ActiveVariantId == "v1" && slots.StagedSlot == ModelSlots.None)
                {
                    Assert.Equal(ModelResult.Ok, slots.Stage(V2.Bytes, V2.Hash, V2.Tag, V2.VariantId));
                }

                if (slots.ActiveVariantId == "v1")
                {
                    Assert.Equal(ModelResult.Ok, slots.Activate());
                }

                AssertRuns(storage, slots, V2);
            },
            [V1, V2],
            V2);

        Assert.True(cuts > 500, cuts + " cuts");
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_power_cut_at_every_step_and_byte_of_staging_a_downloaded_file_leaves_the_old_model(bool renameDeletesTargetFirst, bool withPrevious)
    {
        var baseline = Baseline(renameDeletesTargetFirst, withPrevious);
        baseline.WriteAll("model.bin", V2.Bytes);

        CutEverywhere(
            baseline,
            slots => Assert.Equal(ModelResult.Ok, slots.StageFile("model.bin", V2.Hash, V2.Tag, V2.VariantId)),
            (storage, slots) =>
            {
                Assert.Equal("v1", slots.ActiveVariantId);
                if (slots.StagedSlot == ModelSlots.None)
                {
                    Assert.Equal(ModelResult.Ok, slots.StageFile("model.bin", V2.Hash, V2.Tag, V2.VariantId));
                }

                Assert.Equal("v2", slots.StagedVariantId);
                Assert.Equal(ModelResult.Ok, slots.Activate());
                AssertRuns(storage, slots, V2);
            },
            [V1],
            V2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_cut_at_every_step_and_byte_of_a_rollback_leaves_the_old_or_the_previous_model(bool renameDeletesTargetFirst)
    {
        var baseline = Baseline(renameDeletesTargetFirst, withPrevious: true);

        CutEverywhere(
            baseline,
            slots => Assert.Equal(ModelResult.Ok, slots.Rollback()),
            (storage, slots) =>
            {
                if (slots.ActiveVariantId == "v1")
                {
                    Assert.Equal(ModelResult.Ok, slots.Rollback());
                }

                AssertRuns(storage, slots, V0);
            },
            [V1, V0],
            V0);
    }

    /// <summary>v1 active; with a previous model, v0 sits in the other slot as the rollback target.</summary>
    private static MemoryStorage Baseline(bool renameDeletesTargetFirst, bool withPrevious)
    {
        var storage = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
        var slots = ModelSlotsTests.Open(storage);
        if (withPrevious)
        {
            Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, V0));
        }

        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, V1));
        return storage;
    }

    private static int CutEverywhere(MemoryStorage baseline, Action<ModelSlots> operation, Action<MemoryStorage, ModelSlots> finish, SignedModel[] allowed, SignedModel final)
    {
        var dry = baseline.Clone();
        var drySlots = ModelSlotsTests.Open(dry);
        int opened = dry.Journal.Count;
        operation(drySlots);
        var steps = dry.Journal.Skip(opened).ToList();
        Assert.NotEmpty(steps);

        int cuts = 0;
        for (int step = 0; step < steps.Count; step++)
        {
            for (int keep = 0; keep <= steps[step].Bytes; keep++)
            {
                string at = "cut at step " + step + " (" + steps[step] + ") after " + keep + " bytes";
                var storage = baseline.Clone();
                var slots = ModelSlotsTests.Open(storage);
                Assert.Equal(opened, storage.Journal.Count);
                storage.CutPowerAt(opened + step, keep);
                Assert.Throws<PowerLossException>(() => operation(slots));
                cuts++;

                var rebooted = ModelSlotsTests.Open(storage);
                Assert.True(rebooted.HasActive, at);
                var expected = allowed.SingleOrDefault(m => m.VariantId == rebooted.ActiveVariantId);
                Assert.True(expected != null, at + ": active " + rebooted.ActiveVariantId);
                AssertRuns(storage, rebooted, expected!);

                finish(storage, rebooted);
                AssertRuns(storage, ModelSlotsTests.Open(storage), final);
            }
        }

        return cuts;
    }

    private static void AssertRuns(MemoryStorage storage, ModelSlots slots, SignedModel expected)
    {
        Assert.Equal(expected.VariantId, slots.ActiveVariantId);
        Assert.Equal(expected.Hash, slots.ActiveContentHash);
        Assert.Equal(expected.Bytes, storage.ReadAll(slots.SlotFile(slots.ActiveSlot)));
        byte[] model = slots.ReadActive()!;
        Assert.Equal(expected.Bytes, model);
        var classifier = new Classifier(model);
        Assert.Equal(expected.VariantId, classifier.VariantId);
        Assert.Equal(0, classifier.Classify([200, 10, 30], 0));
    }
}
