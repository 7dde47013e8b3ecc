using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Tests.Learning;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Host.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Models;

public class SealedSlotReaderTests
{
    private static readonly DotNetAesBlockCipher Aes = DotNetAesBlockCipher.Instance;

    /// <summary>A 784 -> 32 -> 10 model of about 26 KB: many chunks.</summary>
    private static SignedModel Large() => TestModels.Sign(LearningModels.MlpBytes(4, inputs: 784, hidden: 32, classes: 10, variantId: "mlp-l"), "mlp-l", TestModels.DeviceKey);

    private static (MemoryStorage Storage, byte[] Plain, byte[] Sealed) Stored(string name = "m.tmlm")
    {
        var plain = Large().Bytes;
        byte[] sealedBytes = SealedArtifact.Seal(plain, TestModels.DeviceKey, SealedArtifact.NonceFor(TestModels.DeviceKey, ModelReader.Read(plain).ContentHash), Aes);
        var storage = new MemoryStorage();
        storage.WriteAll(name, sealedBytes);
        return (storage, plain, sealedBytes);
    }

    [Fact]
    public void A_sealed_file_opens_to_its_plain_model_read_in_chunks()
    {
        var (storage, plain, sealedBytes) = Stored();
        Assert.True(sealedBytes.Length > 2 * SealedSlotReader.ChunkBytes);
        Assert.True(SealedSlotReader.IsSealedFile(storage, "m.tmlm"));
        Assert.Equal(ModelResult.Ok, SealedSlotReader.Open(storage, "m.tmlm", TestModels.DeviceKey, Aes, out byte[] opened));
        Assert.Equal(plain, opened);
    }

    [Fact]
    public void Every_changed_byte_is_refused_before_anything_is_decrypted()
    {
        var (storage, _, sealedBytes) = Stored();
        for (int i = 0; i < sealedBytes.Length; i += 97)
        {
            byte[] changed = (byte[])sealedBytes.Clone();
            changed[i] ^= 0x20;
            storage.WriteAll("m.tmlm", changed);
            int result = SealedSlotReader.Open(storage, "m.tmlm", TestModels.DeviceKey, Aes, out byte[] opened);
            Assert.Null(opened);
            Assert.Contains(result, new[] { ModelResult.Tampered, ModelResult.NotAModel, ModelResult.NotSealedForDevice, ModelResult.Missing });
            if (i >= SealedArtifact.HeaderBytes)
            {
                Assert.Equal(ModelResult.Tampered, result);
            }
        }
    }

    [Fact]
    public void Another_devices_file_a_cut_file_a_missing_file_and_a_missing_cipher_are_named()
    {
        var (storage, _, sealedBytes) = Stored();
        Assert.Equal(ModelResult.NotSealedForDevice, SealedSlotReader.Open(storage, "m.tmlm", TestModels.OtherKey, Aes, out _));
        Assert.Equal(ModelResult.NoCipher, SealedSlotReader.Open(storage, "m.tmlm", TestModels.DeviceKey, null!, out _));
        Assert.Equal(ModelResult.Missing, SealedSlotReader.Open(storage, "none.tmlm", TestModels.DeviceKey, Aes, out _));
        foreach (int cut in new[] { 3, SealedArtifact.HeaderBytes, sealedBytes.Length - 1 })
        {
            storage.WriteAll("m.tmlm", sealedBytes[..cut]);
            Assert.Equal(ModelResult.NotAModel, SealedSlotReader.Open(storage, "m.tmlm", TestModels.DeviceKey, Aes, out _));
        }

        Assert.False(SealedSlotReader.IsSealedFile(storage, "none.tmlm"));
    }

    [Fact]
    public void Loading_a_sealed_slot_allocates_about_what_loading_a_plain_one_does()
    {
        var plainStore = new VariantStore(new MemoryStorage(), TestModels.DeviceKey, Aes);
        var signed = Large();
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(plainStore.Slots(ModelRole.Plugged), signed));
        var sealedStore = new VariantStore(new MemoryStorage(), TestModels.DeviceKey, Aes);
        var key = TestModels.DeviceKey;
        var sealedModel = signed with { Bytes = SealedArtifact.Seal(signed.Bytes, key, SealedArtifact.NonceFor(key, signed.Hash), Aes) };
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(sealedStore.Slots(ModelRole.Plugged), sealedModel));

        static long Allocated(Func<byte[]?> load)
        {
            load(); // warm up lazily made tables
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.NotNull(load());
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long plainBytes = Allocated(() => plainStore.ReadModel(ModelRole.Plugged));
        long sealedBytes = Allocated(() => sealedStore.ReadModel(ModelRole.Plugged));

        // Reading the sealed file whole and copying it for the HMAC would add two model sizes; the streaming reader adds
        // the keystream blocks the cipher returns (garbage, one 4 KB chunk at a time), chunks and keys.
        Assert.True(sealedBytes < plainBytes + (signed.Bytes.Length * 3 / 2), $"sealed load allocated {sealedBytes:N0} B, plain {plainBytes:N0} B, model {signed.Bytes.Length:N0} B");
    }
}
