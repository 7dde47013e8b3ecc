using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Tests.Protocol;

namespace TinyMLOps.Shared.Tests.Metering;

/// <summary>
/// Seeded mutation fuzzing of the receipt and token decoders: every case decodes and re-encodes to exactly its
/// input (and then, unless the input is the original, fails the tag), or throws <see cref="ProtocolException"/>.
/// </summary>
public class MeteringFuzzTests
{
    private const int Cases = 20_000;

    [Fact]
    public void Mutated_receipts_decode_byte_identical_with_a_broken_tag_or_throw_only_ProtocolException()
    {
        byte[] key = MeterSamples.Key(9);
        Fuzz(rng => MeterSamples.Receipt(rng, key).Encode(), [1], bytes =>
        {
            var r = UsageReceipt.Decode(bytes);
            return (r.Encode(), r.VerifyTag(key));
        });
    }

    [Fact]
    public void Mutated_tokens_decode_byte_identical_with_a_broken_tag_or_throw_only_ProtocolException()
    {
        byte[] key = MeterSamples.Key(10);
        Fuzz(rng => MeterSamples.Token(rng, key).Encode(), [1], bytes =>
        {
            var t = QuotaToken.Decode(bytes);
            return (t.Encode(), t.VerifyTag(key));
        });
    }

    [Fact]
    public void Random_bytes_of_every_length_are_rejected_by_both_decoders_with_ProtocolException()
    {
        var rng = new Random(4);
        for (int length = 0; length <= 600; length++)
        {
            byte[] data = ProtocolSamples.Bytes(rng, length);
            if (length > 0)
            {
                data[0] = 1;
            }

            Assert.Throws<ProtocolException>(() => UsageReceipt.Decode(data));
            Assert.Throws<ProtocolException>(() => QuotaToken.Decode(data));
        }
    }

    private static void Fuzz(Func<Random, byte[]> sample, int[] lengthFields, Func<byte[], (byte[] Again, bool Verifies)> decode)
    {
        var rng = new Random(lengthFields.Length * 31 + 1);
        var corpus = Enumerable.Range(0, 60).Select(_ => sample(rng)).ToList();
        var originals = new HashSet<string>(corpus.Select(Convert.ToHexString));
        int decoded = 0;
        int rejected = 0;
        var failures = new List<string>();
        for (int n = 0; n < Cases; n++)
        {
            (byte[] input, string mutation) = ProtocolFuzzTests.Mutate(rng, corpus[rng.Next(corpus.Count)], corpus[rng.Next(corpus.Count)], lengthFields);
            try
            {
                var (again, verifies) = decode(input);
                decoded++;
                if (!again.AsSpan().SequenceEqual(input))
                {
                    failures.Add(mutation + ": re-encoded bytes differ " + Convert.ToHexString(input));
                }

                if (verifies && !originals.Contains(Convert.ToHexString(input)))
                {
                    failures.Add(mutation + ": a changed message still verifies " + Convert.ToHexString(input));
                }
            }
            catch (ProtocolException e)
            {
                rejected++;
                if (e.Reason != RejectReason.BadPayload)
                {
                    failures.Add(mutation + ": reason " + e.Reason);
                }
            }
#pragma warning disable CA1031 // The point is to catch everything else.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add(mutation + ": " + e.GetType().Name + ": " + e.Message + " " + Convert.ToHexString(input));
            }
        }

        Assert.True(failures.Count == 0, failures.Count + " failures, first: " + failures.FirstOrDefault());
        Assert.True(decoded > 500, "the fuzzer should reach successful decodes too: " + decoded);
        Assert.True(rejected > 5000, "and rejections: " + rejected);
    }
}
