using TinyMLOps.Firmware.Core;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.Models;

public class ModelSlotsTests
{
    private static readonly SignedModel V1 = TestModels.Signed("v1", 1);
    private static readonly SignedModel V2 = TestModels.Signed("v2", 2);
    private static readonly SignedModel V3 = TestModels.Signed("v3", 3);

    internal static ModelSlots Open(MemoryStorage storage) => new(storage, TestModels.DeviceKey);

    internal static int StageAndActivate(ModelSlots slots, SignedModel m)
    {
        int staged = slots.Stage(m.Bytes, m.Hash, m.Tag, m.VariantId);
        return staged != ModelResult.Ok ? staged : slots.Activate();
    }

    [Fact]
    public void A_fresh_device_has_no_active_model()
    {
        var slots = Open(new MemoryStorage());

        Assert.False(slots.HasActive);
        Assert.Equal(ModelSlots.None, slots.ActiveSlot);
        Assert.Null(slots.ReadActive());
        Assert.Equal(2, slots.OpenedFrom);
    }

    [Fact]
    public void A_staged_model_becomes_active_only_on_activate()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);

        Assert.Equal(ModelResult.Ok, slots.Stage(V1.Bytes, V1.Hash, V1.Tag, V1.VariantId));
        Assert.False(slots.HasActive);
        Assert.Equal("v1", slots.StagedVariantId);
        Assert.Equal(ModelResult.Ok, slots.Activate());

        Assert.Equal("v1", slots.ActiveVariantId);
        Assert.Equal(V1.Hash, slots.ActiveContentHash);
        Assert.Equal(V1.Bytes, slots.ReadActive());
        Assert.Equal("v1", new Classifier(slots.ReadActive()).VariantId);
        var reopened = Open(storage);
        Assert.Equal("v1", reopened.ActiveVariantId);
        Assert.Equal(0, reopened.OpenedFrom);
    }

    [Fact]
    public void Staging_writes_only_the_inactive_slot_and_never_touches_the_active_one()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));
        string active = slots.SlotFile(slots.ActiveSlot);
        byte[] activeBytes = storage.ReadAll(active)!;
        int before = storage.Journal.Count;

        Assert.Equal(ModelResult.Ok, slots.Stage(V3.Bytes, V3.Hash, V3.Tag, V3.VariantId));

        var ops = storage.Journal.Skip(before).ToList();
        Assert.DoesNotContain(ops, op => op.Name.Contains(active, StringComparison.Ordinal));
        Assert.Contains(ops, op => op.Name == slots.SlotFile(slots.StagedSlot));
        Assert.Equal(activeBytes, storage.ReadAll(active));
        Assert.Equal("v2", slots.ActiveVariantId);
    }

    [Fact]
    public void A_failed_staging_keeps_the_active_model_and_reports_its_reason()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        var foreign = TestModels.Sign(TestModels.Build("v2", 2), "v2", TestModels.OtherKey);

        Assert.Equal(ModelResult.TagMismatch, slots.Stage(foreign.Bytes, foreign.Hash, foreign.Tag, "v2"));
        Assert.Equal(ModelResult.HashMismatch, slots.Stage(V2.Bytes, V3.Hash, V3.Tag, "v3"));
        Assert.Equal(ModelResult.NotAModel, slots.Stage(new byte[10], V2.Hash, V2.Tag, "v2"));

        Assert.Equal(ModelResult.NothingStaged, slots.Activate());
        Assert.Equal("v1", slots.ActiveVariantId);
        Assert.False(storage.Exists(slots.SlotFile(1 - slots.ActiveSlot)));
        Assert.Equal(V1.Bytes, Open(storage).ReadActive());
    }

    [Fact]
    public void A_downloaded_file_is_staged_by_copying_it()
    {
        var storage = new MemoryStorage();
        storage.WriteAll("model.bin", V1.Bytes);
        var slots = Open(storage);

        Assert.Equal(ModelResult.Ok, slots.StageFile("model.bin", V1.Hash, V1.Tag, "v1"));
        Assert.Equal(ModelResult.Ok, slots.Activate());

        Assert.Equal(V1.Bytes, slots.ReadActive());
        Assert.True(storage.Exists("model.bin"));
        Assert.Equal(ModelResult.Missing, slots.StageFile("absent.bin", V1.Hash, V1.Tag, "v1"));
    }

    [Fact]
    public void A_staged_slot_that_rots_before_activation_is_refused()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, slots.Stage(V2.Bytes, V2.Hash, V2.Tag, V2.VariantId));
        storage.Corrupt(slots.SlotFile(slots.StagedSlot), 60);

        Assert.Equal(ModelResult.HashMismatch, slots.Activate());
        Assert.Equal("v1", slots.ActiveVariantId);
        Assert.Equal(ModelSlots.None, slots.StagedSlot);
    }

    [Fact]
    public void Rollback_returns_to_the_previous_model()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));
        Assert.Equal("v1", slots.PreviousVariantId);

        Assert.Equal(ModelResult.Ok, slots.Rollback());

        Assert.Equal("v1", slots.ActiveVariantId);
        Assert.Equal(V1.Bytes, slots.ReadActive());
        Assert.Equal(ModelResult.NoPrevious, slots.Rollback());
        Assert.Equal("v1", Open(storage).ActiveVariantId);
    }

    [Fact]
    public void Rollback_is_refused_when_the_previous_model_no_longer_verifies()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));
        storage.Corrupt(slots.SlotFile(slots.PreviousSlot), 50);

        Assert.Equal(ModelResult.HashMismatch, slots.Rollback());
        Assert.Equal("v2", slots.ActiveVariantId);
    }

    [Fact]
    public void Staging_over_the_previous_slot_ends_the_rollback_option()
    {
        var slots = Open(new MemoryStorage());
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));

        Assert.Equal(ModelResult.Ok, slots.Stage(V3.Bytes, V3.Hash, V3.Tag, V3.VariantId));

        Assert.Equal(ModelSlots.None, slots.PreviousSlot);
        Assert.Equal(ModelResult.NoPrevious, slots.Rollback());
        Assert.Equal(ModelResult.Ok, slots.Activate());
        Assert.Equal("v2", slots.PreviousVariantId);
    }

    [Fact]
    public void An_active_slot_that_rotted_falls_back_to_the_previous_model_on_open()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));
        storage.Corrupt(slots.SlotFile(slots.ActiveSlot), 70);

        var reopened = Open(storage);

        Assert.True(reopened.FellBackOnOpen);
        Assert.Equal("v1", reopened.ActiveVariantId);
        Assert.Equal(V1.Bytes, reopened.ReadActive());
        Assert.Equal("v1", Open(storage).ActiveVariantId);
    }

    [Fact]
    public void An_active_slot_that_rotted_without_a_good_alternative_leaves_no_model_rather_than_a_bad_one()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        storage.Corrupt(slots.SlotFile(slots.ActiveSlot), 70);

        var reopened = Open(storage);

        Assert.False(reopened.HasActive);
        Assert.Null(reopened.ReadActive());
    }

    [Fact]
    public void A_lost_or_rotten_record_is_restored_from_its_copy()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V2));
        storage.Corrupt(slots.RecordFile, 10);

        var reopened = Open(storage);
        Assert.Equal(1, reopened.OpenedFrom);
        Assert.Equal("v2", reopened.ActiveVariantId);
        Assert.Equal("v1", reopened.PreviousVariantId);

        storage.Delete(slots.RecordFile);
        Assert.Equal("v2", Open(storage).ActiveVariantId);
        Assert.Equal(0, Open(storage).OpenedFrom);
    }

    [Fact]
    public void Without_any_record_no_slot_is_trusted()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        storage.Delete(slots.RecordFile);
        storage.Delete(slots.RecordFile + ".bak");

        var reopened = Open(storage);

        Assert.False(reopened.HasActive);
        Assert.Equal(2, reopened.OpenedFrom);
    }

    [Fact]
    public void A_leftover_of_a_cut_staging_is_deleted_on_open()
    {
        var storage = new MemoryStorage();
        var slots = Open(storage);
        Assert.Equal(ModelResult.Ok, StageAndActivate(slots, V1));
        storage.WriteAll(slots.SlotFile(1 - slots.ActiveSlot), V2.Bytes[..40]);

        var reopened = Open(storage);

        Assert.False(storage.Exists(reopened.SlotFile(1 - reopened.ActiveSlot)));
        Assert.Equal("v1", reopened.ActiveVariantId);
    }
}
