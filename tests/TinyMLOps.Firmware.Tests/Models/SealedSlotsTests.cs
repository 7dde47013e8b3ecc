using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Host.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>Sealed artifacts (the form the host delivers) in the slots: kept sealed at rest, decrypted only on load, bound to one device.</summary>
public class SealedSlotsTests
{
    private static readonly DotNetAesBlockCipher Aes = DotNetAesBlockCipher.Instance;

    private static SignedModel SealedFor(SignedModel m, byte[] key) =>
        m with { Bytes = SealedArtifact.Seal(m.Bytes, key, SealedArtifact.NonceFor(key, m.Hash), Aes) };

    private static SignedModel Sealed(string variantId, int seed) => SealedFor(TestModels.Signed(variantId, seed), TestModels.DeviceKey);

    [Fact]
    public void A_sealed_artifact_verifies_stays_sealed_on_storage_and_loads_decrypted()
    {
        var plain = TestModels.Signed("mlp-a", 1);
        var m = SealedFor(plain, TestModels.DeviceKey);
        var storage = new MemoryStorage();
        var store = new VariantStore(storage, TestModels.DeviceKey, Aes);
        var slots = store.Slots(ModelRole.Plugged);

        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, m));

        Assert.Equal(m.Bytes, storage.ReadAll(slots.SlotFile(slots.ActiveSlot)));
        Assert.Equal(plain.Bytes, slots.ReadActive());
        Assert.Equal(plain.Bytes, new VariantStore(storage, TestModels.DeviceKey, Aes).ReadModel(ModelRole.Plugged));
    }

    [Fact]
    public void The_verifier_names_why_a_sealed_artifact_is_refused()
    {
        var m = Sealed("mlp-a", 1);
        var verifier = new ArtifactVerifier(TestModels.DeviceKey, Aes);
        byte[] tampered = (byte[])m.Bytes.Clone();
        tampered[SealedArtifact.HeaderBytes + 10] ^= 4;

        Assert.Equal(ModelResult.Ok, verifier.Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
        Assert.Equal(ModelResult.NotSealedForDevice, new ArtifactVerifier(TestModels.OtherKey, Aes).Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
        Assert.Equal(ModelResult.Tampered, verifier.Verify(tampered, m.Hash, m.Tag, m.VariantId));
        Assert.Equal(ModelResult.NotAModel, verifier.Verify(m.Bytes[..^1], m.Hash, m.Tag, m.VariantId));
        Assert.Equal(ModelResult.NoCipher, new ArtifactVerifier(TestModels.DeviceKey).Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
        Assert.Equal(ModelResult.HashMismatch, verifier.Verify(m.Bytes, TestModels.Signed("mlp-a", 2).Hash, m.Tag, m.VariantId));
        Assert.Equal("artifact not sealed for this device", ModelResult.Describe(ModelResult.NotSealedForDevice));
        Assert.Equal("tag mismatch: tampered", ModelResult.Describe(ModelResult.Tampered));
    }

    [Fact]
    public void A_flash_image_copied_to_another_device_does_not_load_there_and_the_first_still_loads()
    {
        var storage = new MemoryStorage();
        var store = new VariantStore(storage, TestModels.DeviceKey, Aes);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(store.Slots(ModelRole.Plugged), Sealed("mlp-a", 1)));
        var copy = storage.Clone();

        var thief = new VariantStore(copy, TestModels.OtherKey, Aes);

        Assert.False(thief.Slots(ModelRole.Plugged).HasActive);
        Assert.True(thief.Slots(ModelRole.Plugged).FellBackOnOpen);
        Assert.Null(thief.ReadModel(ModelRole.Plugged));
        Assert.Equal(TestModels.Signed("mlp-a", 1).Bytes, new VariantStore(storage, TestModels.DeviceKey, Aes).ReadModel(ModelRole.Plugged));
    }

    [Fact]
    public void Another_devices_artifact_is_not_staged_and_the_active_model_stays()
    {
        var store = new VariantStore(new MemoryStorage(), TestModels.DeviceKey, Aes);
        var slots = store.Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, Sealed("mlp-a", 1)));
        var foreign = SealedFor(TestModels.Sign(TestModels.Build("mlp-b", 2), "mlp-b", TestModels.OtherKey), TestModels.OtherKey);

        Assert.Equal(ModelResult.NotSealedForDevice, slots.Stage(foreign.Bytes, foreign.Hash, foreign.Tag, foreign.VariantId));
        Assert.Equal("mlp-a", slots.ActiveVariantId);
        Assert.Equal(ModelSlots.None, slots.StagedSlot);
    }

    [Fact]
    public void A_sealed_slot_changed_on_storage_no_longer_loads()
    {
        var storage = new MemoryStorage();
        var slots = new VariantStore(storage, TestModels.DeviceKey, Aes).Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, Sealed("mlp-a", 1)));
        string file = slots.SlotFile(slots.ActiveSlot);

        storage.Corrupt(file, SealedArtifact.HeaderBytes + 20);

        Assert.Equal(ModelResult.Tampered, slots.VerifySlot(slots.ActiveSlot));
        Assert.Null(slots.ReadActive());
        Assert.False(new VariantStore(storage, TestModels.DeviceKey, Aes).Slots(ModelRole.Plugged).HasActive);
    }

    [Fact]
    public void A_device_that_requires_sealed_models_refuses_a_plain_one_on_delivery_and_at_boot_and_keeps_its_sealed_one()
    {
        var plain = TestModels.Signed("mlp-p", 1);
        Assert.Equal(ModelResult.PlainRefused, new ArtifactVerifier(TestModels.DeviceKey, Aes) { RequireSealed = true }.Verify(plain.Bytes, plain.Hash, plain.Tag, plain.VariantId));
        Assert.Equal("plain artifact refused: this device takes sealed models only", ModelResult.Describe(ModelResult.PlainRefused));

        // Delivery: the plain artifact is not staged and the sealed model stays active.
        var strict = new VariantStore(new MemoryStorage(), TestModels.DeviceKey, Aes, requireSealed: true).Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(strict, Sealed("mlp-a", 1)));
        Assert.Equal(ModelResult.PlainRefused, strict.Stage(plain.Bytes, plain.Hash, plain.Tag, plain.VariantId));
        Assert.Equal("mlp-a", strict.ActiveVariantId);

        // Boot: a plain model written to flash earlier (or by someone with the flash) does not load once the setting is on.
        var storage = new MemoryStorage();
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(new VariantStore(storage, TestModels.DeviceKey, Aes).Slots(ModelRole.Plugged), plain));
        var reopened = new VariantStore(storage, TestModels.DeviceKey, Aes, requireSealed: true);
        Assert.False(reopened.Slots(ModelRole.Plugged).HasActive);
        Assert.Null(reopened.ReadModel(ModelRole.Plugged));
    }

    [Fact]
    public void Another_sealed_model_of_the_same_device_swapped_into_the_slot_file_is_refused_by_the_records_hash()
    {
        var storage = new MemoryStorage();
        var slots = new VariantStore(storage, TestModels.DeviceKey, Aes).Slots(ModelRole.Plugged);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(slots, Sealed("mlp-a", 1)));

        // A valid envelope for this very device, but of another model than the record vouches for.
        storage.WriteAll(slots.SlotFile(slots.ActiveSlot), Sealed("mlp-a", 2).Bytes);

        Assert.Equal(ModelResult.HashMismatch, slots.VerifySlot(slots.ActiveSlot));
        Assert.Null(slots.ReadActive());
    }
}
