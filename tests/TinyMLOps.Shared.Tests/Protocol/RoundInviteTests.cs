using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

public sealed class RoundInviteTests
{
    private static RoundInvite Sample(Random rng) => new()
    {
        RoundId = "r" + rng.Next(1, 100_000),
        Role = rng.Next(1, 3),
        BaseVariantId = "mlp-w" + rng.Next(1, 9),
        BaseHash = [.. Enumerable.Range(0, 32).Select(_ => (byte)rng.Next(256))],
        Layers = rng.Next(1, 5),
        Epochs = rng.Next(1, RoundInvite.MaxEpochs + 1),
        BatchSize = rng.Next(1, RoundInvite.MaxBatch + 1),
        LearningRate = (float)(rng.NextDouble() * 0.5) + 0.001f,
        ProximalMu = rng.Next(2) == 0 ? 0 : (float)rng.NextDouble(),
        ClipNorm = (float)(rng.NextDouble() * 20) + 0.1f,
        KeepFraction = rng.Next(3) == 0 ? 1f : (float)(rng.NextDouble() * 0.9) + 0.01f,
        Flags = rng.Next(4),
        MinSamples = rng.Next(1, 100),
        MaxSamples = rng.Next(100, 65_536),
        IdleSeconds = rng.Next(65_536),
        Deadline = (uint)rng.NextInt64(uint.MaxValue),
        Seed = (uint)rng.NextInt64(uint.MaxValue),
    };

    [Fact]
    public void Every_field_round_trips()
    {
        var rng = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            var sent = Sample(rng);
            var got = RoundInvite.Decode(sent.Encode());
            Assert.Equal(
                (sent.RoundId, sent.Role, sent.BaseVariantId, sent.Layers, sent.Epochs, sent.BatchSize, sent.LearningRate, sent.ProximalMu, sent.ClipNorm, sent.KeepFraction),
                (got.RoundId, got.Role, got.BaseVariantId, got.Layers, got.Epochs, got.BatchSize, got.LearningRate, got.ProximalMu, got.ClipNorm, got.KeepFraction));
            Assert.Equal((sent.Flags, sent.MinSamples, sent.MaxSamples, sent.IdleSeconds, sent.Deadline, sent.Seed), (got.Flags, got.MinSamples, got.MaxSamples, got.IdleSeconds, got.Deadline, got.Seed));
            Assert.Equal(sent.BaseHash, got.BaseHash);
            Assert.Equal(sent.Encode(), got.Encode());
        }
    }

    [Fact]
    public void Every_truncation_and_a_trailing_byte_are_rejected()
    {
        byte[] bytes = Sample(new Random(2)).Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<ProtocolException>(() => RoundInvite.Decode(bytes[..length]));
        }

        Assert.Throws<ProtocolException>(() => RoundInvite.Decode([.. bytes, 0]));
    }

    [Theory]
    [InlineData("round id")]
    [InlineData("role")]
    [InlineData("layers")]
    [InlineData("epochs")]
    [InlineData("batch")]
    [InlineData("learning rate")]
    [InlineData("nan mu")]
    [InlineData("keep")]
    [InlineData("flags")]
    [InlineData("samples")]
    public void A_field_out_of_range_is_rejected(string what)
    {
        var invite = Sample(new Random(3));
        switch (what)
        {
            case "round id": invite.RoundId = ""; break;
            case "role": invite.Role = 3; break;
            case "layers": invite.Layers = 5; break;
            case "epochs": invite.Epochs = 0; break;
            case "batch": invite.BatchSize = RoundInvite.MaxBatch + 1; break;
            case "learning rate": invite.LearningRate = 0; break;
            case "nan mu": invite.ProximalMu = float.NaN; break;
            case "keep": invite.KeepFraction = 1.5f; break;
            case "flags": invite.Flags = 4; break;
            default: invite.MinSamples = 10; invite.MaxSamples = 9; break;
        }

        var e = Assert.Throws<ProtocolException>(() => RoundInvite.Decode(invite.Encode()));
        Assert.Contains(RoundInvite.CommandName, e.Message);
    }

    [Fact]
    public void Mutated_invites_decode_and_re_encode_byte_identical_or_throw_only_ProtocolException()
    {
        var rng = new Random(4);
        var corpus = Enumerable.Range(0, 40).Select(_ => Sample(rng).Encode()).ToList();
        int decoded = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var (input, mutation) = ProtocolFuzzTests.Mutate(rng, corpus[rng.Next(corpus.Count)], corpus[rng.Next(corpus.Count)], [0]);
            try
            {
                var invite = RoundInvite.Decode(input);
                Assert.True(input.AsSpan().SequenceEqual(invite.Encode()), mutation + ": re-encoded bytes differ");
                decoded++;
            }
            catch (ProtocolException)
            {
                // The one failure a decoder may raise.
            }
        }

        Assert.True(decoded > 100, "the fuzzer should reach successful decodes too: " + decoded);
    }
}
