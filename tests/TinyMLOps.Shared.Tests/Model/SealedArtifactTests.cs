using TinyMLOps.Fleet.Security;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Tests.Model;

public class SealedArtifactTests
{
    private static readonly byte[] DeviceKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];
    private static readonly byte[] OtherKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 11))];
    private static readonly DotNetAesBlockCipher Aes = DotNetAesBlockCipher.Instance;

    private static byte[] SmallModel() => ModelWriter.Write(RandomModels.Mlp(3, inputs: 8, hidden: 4, classes: 3));

    private static byte[] Sealed(byte[] plain, byte[] key) =>
        SealedArtifact.Seal(plain, key, SealedArtifact.NonceFor(key, ModelReader.Read(plain).ContentHash), Aes);

    [Fact]
    public void Seal_then_open_gives_back_the_plain_file_and_hides_it()
    {
        byte[] plain = ModelWriter.Write(RandomModels.Cnn(7));
        byte[] sealedBytes = Sealed(plain, DeviceKey);

        Assert.Equal(plain.Length + SealedArtifact.OverheadBytes, sealedBytes.Length);
        Assert.True(SealedArtifact.IsSealed(sealedBytes));
        Assert.False(SealedArtifact.IsSealed(plain));
        Assert.Equal(SealResult.Ok, SealedArtifact.Check(sealedBytes, DeviceKey));
        Assert.Equal(plain, SealedArtifact.Open(sealedBytes, DeviceKey, Aes));

        // No 16-byte window of the plain file survives in the sealed bytes.
        var sealedText = Convert.ToHexString(sealedBytes);
        for (int at = 0; at + 16 <= plain.Length; at += 16)
        {
            Assert.DoesNotContain(Convert.ToHexString(plain, at, 16), sealedText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sealing_is_deterministic_per_device_and_content_and_differs_between_devices()
    {
        byte[] plain = SmallModel();
        Assert.Equal(Sealed(plain, DeviceKey), Sealed(plain, DeviceKey));
        Assert.NotEqual(Sealed(plain, DeviceKey), Sealed(plain, OtherKey));
        Assert.NotEqual(
            SealedArtifact.NonceFor(DeviceKey, ModelReader.Read(plain).ContentHash),
            SealedArtifact.NonceFor(DeviceKey, ModelReader.Read(ModelWriter.Write(RandomModels.Mlp(4, 8, 4, 3))).ContentHash));
    }

    [Fact]
    public void Keystream_is_aes_ctr_as_in_nist_sp_800_38a_f_5_1_including_the_counter_carry()
    {
        byte[] encKey = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] nonce = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        byte[] plain = Convert.FromHexString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef");
        byte[] cipher = Convert.FromHexString("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab");
        byte[] envelope = new byte[SealedArtifact.OverheadBytes + cipher.Length];
        Array.Copy(cipher, 0, envelope, SealedArtifact.HeaderBytes, cipher.Length);

        byte[] output = new byte[plain.Length];
        SealedArtifact.Decrypt(envelope, encKey, nonce, 0, plain.Length, output, 0, Aes);
        Assert.Equal(plain, output);
    }

    [Fact]
    public void Decrypting_any_range_matches_the_same_range_of_the_whole()
    {
        byte[] plain = ModelWriter.Write(RandomModels.Cnn(2));
        byte[] sealedBytes = Sealed(plain, DeviceKey);
        var rng = new Random(9);
        for (int i = 0; i < 200; i++)
        {
            int offset = rng.Next(plain.Length);
            int count = rng.Next(Math.Min(3000, plain.Length - offset) + 1);
            byte[] part = new byte[count + 5];
            SealedArtifact.Decrypt(sealedBytes, DeviceKey, offset, count, part, 5, Aes);
            Assert.Equal(plain.AsSpan(offset, count).ToArray(), part.AsSpan(5).ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => SealedArtifact.Decrypt(sealedBytes, DeviceKey, plain.Length - 1, 2, new byte[2], 0, Aes));
    }

    [Fact]
    public void An_artifact_sealed_for_one_device_is_refused_with_another_devices_key()
    {
        byte[] sealedBytes = Sealed(SmallModel(), DeviceKey);
        Assert.Equal(SealResult.WrongDevice, SealedArtifact.Check(sealedBytes, OtherKey));
        var e = Assert.Throws<SealedArtifactException>(() => SealedArtifact.Open(sealedBytes, OtherKey, Aes));
        Assert.Equal(SealResult.WrongDevice, e.Result);
        Assert.Equal("artifact not sealed for this device", e.Message);
    }

    [Fact]
    public void Every_single_flipped_byte_is_refused()
    {
        byte[] sealedBytes = Sealed(SmallModel(), DeviceKey);
        for (int at = 0; at < sealedBytes.Length; at++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                byte[] copy = (byte[])sealedBytes.Clone();
                copy[at] ^= mask;
                int result = SealedArtifact.Check(copy, DeviceKey);
                Assert.NotEqual(SealResult.Ok, result);

                // The key id, and only it, tells another device's artifact apart; everything past the header is tampering.
                if (at >= 8 && at < 16)
                {
                    Assert.Equal(SealResult.WrongDevice, result);
                }
                else if (at >= 16 && at != 32 && at != 33 && at != 34 && at != 35)
                {
                    Assert.Equal(SealResult.Tampered, result);
                }
            }
        }
    }

    [Fact]
    public void Truncations_and_extensions_are_refused()
    {
        byte[] sealedBytes = Sealed(SmallModel(), DeviceKey);
        for (int length = 0; length < sealedBytes.Length; length++)
        {
            Assert.NotEqual(SealResult.Ok, SealedArtifact.Check(sealedBytes.AsSpan(0, length).ToArray(), DeviceKey));
        }

        Assert.Equal(SealResult.Malformed, SealedArtifact.Check([.. sealedBytes, 0], DeviceKey));
        Assert.Equal(SealResult.Malformed, SealedArtifact.Check(null!, DeviceKey));
    }

    [Fact]
    public void Random_mutations_never_open_and_only_raise_the_documented_exception()
    {
        byte[] sealedBytes = Sealed(SmallModel(), DeviceKey);
        var rng = new Random(17);
        for (int i = 0; i < 3000; i++)
        {
            byte[] copy = Mutate(sealedBytes, rng);
            if (copy.AsSpan().SequenceEqual(sealedBytes))
            {
                continue;
            }

            var e = Assert.Throws<SealedArtifactException>(() => SealedArtifact.Open(copy, DeviceKey, Aes));
            Assert.NotEqual(SealResult.Ok, e.Result);
        }
    }

    private static byte[] Mutate(byte[] source, Random rng)
    {
        var bytes = source.ToList();
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(4))
            {
                case 0 when bytes.Count > 0:
                    bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    int at = rng.Next(bytes.Count);
                    bytes.RemoveRange(at, Math.Min(1 + rng.Next(8), bytes.Count - at));
                    break;
                case 2:
                    bytes.Insert(rng.Next(bytes.Count + 1), (byte)rng.Next(256));
                    break;
                default:
                    bytes = bytes.Take(rng.Next(bytes.Count + 1)).ToList();
                    break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void The_header_alone_tells_a_malformed_envelope_and_another_devices_one_apart_from_this_devices()
    {
        byte[] sealedBytes = Sealed(SmallModel(), DeviceKey);
        byte[] header = sealedBytes[..SealedArtifact.HeaderBytes];
        Assert.Equal(SealResult.Ok, SealedArtifact.CheckHeader(header, sealedBytes.Length, DeviceKey));
        Assert.Equal(SealResult.WrongDevice, SealedArtifact.CheckHeader(header, sealedBytes.Length, OtherKey));
        Assert.Equal(SealResult.Malformed, SealedArtifact.CheckHeader(header, sealedBytes.Length + 1, DeviceKey));
        Assert.Equal(SealResult.Malformed, SealedArtifact.CheckHeader(header[..20], sealedBytes.Length, DeviceKey));
        byte[] version = (byte[])header.Clone();
        version[4] = 9;
        Assert.Equal(SealResult.Malformed, SealedArtifact.CheckHeader(version, sealedBytes.Length, DeviceKey));
    }

    [Fact]
    public void Decrypting_the_ciphertext_in_place_with_its_keystream_gives_the_plain_file()
    {
        byte[] plain = SmallModel();
        byte[] sealedBytes = Sealed(plain, DeviceKey);
        byte[] buffer = sealedBytes[SealedArtifact.HeaderBytes..^SealedArtifact.TagBytes];
        byte[] encKey = SealedArtifact.EncKey(DeviceKey);
        byte[] nonce = SealedArtifact.NonceOf(sealedBytes);

        // In two pieces at an offset that is not block aligned, as a layer-by-layer loader would.
        SealedArtifact.XorKeystream(encKey, nonce, 0, buffer, 0, 21, Aes);
        SealedArtifact.XorKeystream(encKey, nonce, 21, buffer, 21, buffer.Length - 21, Aes);
        Assert.Equal(plain, buffer);
        Assert.Throws<ArgumentOutOfRangeException>(() => SealedArtifact.XorKeystream(encKey, nonce, 0, buffer, 1, buffer.Length, Aes));
        Assert.Throws<ArgumentOutOfRangeException>(() => SealedArtifact.XorKeystream(encKey, new byte[8], 0, buffer, 0, 1, Aes));
    }
}
