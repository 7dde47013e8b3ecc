using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Federated;

public class ModelDeltaTests
{
    internal static ModelDelta Sample(Random rng, int tensors = 3, int maxElements = 40)
    {
        var d = new ModelDelta { RoundId = "round-" + rng.Next(1000), BaseVariantId = "kws-int8-v" + rng.Next(9), SampleCount = (uint)rng.Next(1, 5000) };
        d.Tensors = new DeltaTensor[tensors];
        for (int t = 0; t < tensors; t++)
        {
            int n = rng.Next(1, maxElements);
            var tensor = new DeltaTensor { Name = "layer" + t + "/w", ElementCount = n, Scale = (float)rng.NextDouble() * 0.01f };
            if (rng.Next(2) == 0)
            {
                tensor.Encoding = ModelDelta.EncodingDense;
                tensor.Values = Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
            }
            else
            {
                tensor.Encoding = ModelDelta.EncodingTopK;
                tensor.Indexes = Enumerable.Range(0, n).Where(_ => rng.Next(3) == 0).ToArray();
                tensor.Values = tensor.Indexes.Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
            }

            d.Tensors[t] = tensor;
        }

        return d;
    }

    [Fact]
    public void A_delta_with_dense_and_sparse_tensors_round_trips_field_for_field_and_byte_identical()
    {
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            ModelDelta d = Sample(rng);
            byte[] bytes = d.Encode();
            ModelDelta back = ModelDelta.Decode(bytes);
            Assert.Equal(d.RoundId, back.RoundId);
            Assert.Equal(d.BaseVariantId, back.BaseVariantId);
            Assert.Equal(d.SampleCount, back.SampleCount);
            Assert.Equal(d.Tensors.Length, back.Tensors.Length);
            for (int t = 0; t < d.Tensors.Length; t++)
            {
                Assert.Equal(d.Tensors[t].Name, back.Tensors[t].Name);
                Assert.Equal(d.Tensors[t].ElementCount, back.Tensors[t].ElementCount);
                Assert.Equal(d.Tensors[t].Scale, back.Tensors[t].Scale);
                Assert.Equal(d.Tensors[t].Encoding, back.Tensors[t].Encoding);
                Assert.Equal(d.Tensors[t].Indexes, back.Tensors[t].Indexes);
                Assert.Equal(d.Tensors[t].Values, back.Tensors[t].Values);
            }

            Assert.Equal(bytes, back.Encode());
        }
    }

    [Fact]
    public void Every_truncation_of_a_valid_delta_is_rejected_with_ProtocolException()
    {
        var rng = new Random(11);
        for (int i = 0; i < 20; i++)
        {
            byte[] bytes = Sample(rng).Encode();
            for (int length = 0; length < bytes.Length; length++)
            {
                byte[] cut = bytes[..length];
                Assert.Throws<ProtocolException>(() => ModelDelta.Decode(cut));
            }
        }

        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(null!));
    }

    [Fact]
    public void A_trailing_byte_is_rejected()
    {
        byte[] bytes = Sample(new Random(3)).Encode();
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode([.. bytes, 0]));
    }

    private static byte[] Single(Action<DeltaTensor> change, uint sampleCount = 10)
    {
        var t = new DeltaTensor { Name = "w", ElementCount = 4, Scale = 0.5f, Encoding = ModelDelta.EncodingTopK, Indexes = [1, 3], Values = [5, -5] };
        change(t);
        return new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = sampleCount, Tensors = [t] }.Encode();
    }

    // Offsets in Single(): 1 version, 2 "r", 2 "v", 4 samples, 2 count, 2 "w" -> element count at 13, scale 17,
    // encoding 21, k 22, index gaps 26 and 27 (1 and 1 for indexes 1 and 3), values 28 and 29.
    [Theory]
    [InlineData(0, 2, "version")]
    [InlineData(13, 0, "element count 0")]
    [InlineData(21, 2, "unknown encoding")]
    [InlineData(22, 5, "k above element count")]
    [InlineData(26, 3, "first gap pushes the second index past the end")]
    [InlineData(27, 2, "index past the end")]
    [InlineData(26, 0x80, "a gap that continues into the next one")]
    [InlineData(29, 0x80, "int8 -128")]
    public void A_field_set_out_of_range_is_rejected(int offset, int value, string why)
    {
        byte[] bytes = Single(_ => { });
        ModelDelta.Decode(bytes);
        bytes[offset] = (byte)value;
        var e = Assert.Throws<ProtocolException>(() => ModelDelta.Decode(bytes));
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }

    [Fact]
    public void An_index_gap_not_in_its_shortest_form_is_rejected()
    {
        byte[] bytes = Single(_ => { });
        bytes[26] = 0x80;
        bytes[27] = 0x00;
        var e = Assert.Throws<ProtocolException>(() => ModelDelta.Decode(bytes));
        Assert.Contains("shortest", e.Message);
    }

    [Fact]
    public void Gaps_of_every_varint_length_round_trip()
    {
        int[] indexes = [0, 127, 255, 16_639, 2_113_791, 4_000_000];
        var t = new DeltaTensor { Name = "w", ElementCount = 4_000_001, Scale = 1f, Encoding = ModelDelta.EncodingTopK, Indexes = indexes, Values = [1, 2, 3, 4, 5, 6] };
        var back = ModelDelta.Decode(new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = 1, Tensors = [t] }.Encode());
        Assert.Equal(indexes, back.Tensors[0].Indexes);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void A_scale_that_is_not_finite_and_non_negative_is_rejected(float scale)
    {
        byte[] bytes = Single(_ => { });
        BitConverter.GetBytes(scale).CopyTo(bytes, 17);
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(bytes));
    }

    [Fact]
    public void Zero_samples_empty_ids_no_tensors_and_duplicate_names_are_rejected()
    {
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(Single(_ => { }, sampleCount: 0)));
        var t = new DeltaTensor { Name = "w", ElementCount = 1, Encoding = ModelDelta.EncodingDense, Values = [1] };
        var ok = new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = 1, Tensors = [t] };
        ModelDelta.Decode(ok.Encode());
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(new ModelDelta { RoundId = "", BaseVariantId = "v", SampleCount = 1, Tensors = [t] }.Encode()));
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(new ModelDelta { RoundId = "r", BaseVariantId = "", SampleCount = 1, Tensors = [t] }.Encode()));
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = 1, Tensors = [t, t] }.Encode()));
        byte[] none = ok.Encode()[..11];
        none[9] = 0;
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(none));
    }

    [Fact]
    public void Element_counts_above_the_total_cap_are_rejected_before_any_allocation()
    {
        // A header claiming 4M + 1 elements with no value bytes: must be refused on the count alone.
        byte[] bytes = Single(t => { t.Encoding = ModelDelta.EncodingTopK; t.Indexes = []; t.Values = []; });
        BitConverter.GetBytes((uint)ModelDelta.MaxTotalElements + 1).CopyTo(bytes, 13);
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(bytes));

        // Two tensors each under the cap but together above it.
        var half = ModelDelta.MaxTotalElements / 2 + 1;
        var a = new DeltaTensor { Name = "a", ElementCount = half, Encoding = ModelDelta.EncodingTopK, Indexes = [], Values = [] };
        var b = new DeltaTensor { Name = "b", ElementCount = half, Encoding = ModelDelta.EncodingTopK, Indexes = [], Values = [] };
        byte[] two = new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = 1, Tensors = [a, b] }.Encode();
        Assert.Throws<ProtocolException>(() => ModelDelta.Decode(two));
        b.ElementCount = half - 2;
        ModelDelta.Decode(new ModelDelta { RoundId = "r", BaseVariantId = "v", SampleCount = 1, Tensors = [a, b] }.Encode());
    }

    [Fact]
    public void Mutated_deltas_decode_and_re_encode_byte_identical_or_throw_only_ProtocolException()
    {
        var rng = new Random(20250107);
        var corpus = Enumerable.Range(0, 100).Select(_ => Sample(rng, rng.Next(1, 5), 30).Encode()).ToList();
        int decoded = 0, rejected = 0;
        for (int n = 0; n < 30_000; n++)
        {
            byte[] input = (byte[])corpus[rng.Next(corpus.Count)].Clone();
            int edits = rng.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.Next(input.Length);
                switch (rng.Next(6))
                {
                    case 0: input[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: input[at] = (byte)rng.Next(256); break;
                    case 2: input = input[..at]; break;
                    case 3: input = [.. input[..at], (byte)rng.Next(256), .. input[at..]]; break;
                    case 4: input = [.. input[..at], .. input[Math.Min(input.Length, at + 1 + rng.Next(8))..]]; break;
                    default: input[at] = (byte)(rng.Next(2) == 0 ? 0xFF : 0x00); break;
                }

                if (input.Length == 0)
                {
                    break;
                }
            }

            try
            {
                ModelDelta d = ModelDelta.Decode(input);
                Assert.Equal(input, d.Encode());
                decoded++;
            }
            catch (ProtocolException)
            {
                rejected++;
            }
        }

        // Both outcomes occur, so the mutations neither always break nor never touch the format.
        Assert.True(decoded > 100, "decoded " + decoded);
        Assert.True(rejected > 10_000, "rejected " + rejected);
    }

    // Flower ships each array as a NumPy .npy: 4 bytes per float32 parameter plus a 128-byte header.
    private static long FlowerBytes(int[] sizes) => sizes.Sum(n => 4L * n + 128);

    private static byte[] EncodedModel(int[] sizes, float keepFraction)
    {
        var rng = new Random(42);
        string[] names = ["conv/kernel", "dense/kernel", "dense/bias"];
        var encoder = new DeltaEncoder(names, sizes, keepFraction, errorFeedback: true, new Random(1));
        float[][] deltas = sizes.Select(n => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.02f).ToArray()).ToArray();
        return encoder.Encode("round-0001", "fmnist-cnn-int8", 600, deltas).Encode();
    }

    [Fact]
    public void A_dense_int8_delta_of_a_100k_parameter_model_is_at_least_3_9_times_smaller_than_Flower_float32()
    {
        int[] sizes = [99_000, 900, 100];
        byte[] bytes = EncodedModel(sizes, 0f);
        double ratio = (double)FlowerBytes(sizes) / bytes.Length;
        // Measured: 100,097 bytes against 400,384 -> 4.00x.
        Assert.Equal(100_097, bytes.Length);
        Assert.True(ratio >= 3.9, "ratio " + ratio);
    }

    [Fact]
    public void A_10_percent_top_k_delta_is_at_least_18_times_smaller_than_Flower_float32()
    {
        int[] sizes = [99_000, 900, 100];
        byte[] tenPercent = EncodedModel(sizes, 0.10f);
        double ratio10 = (double)FlowerBytes(sizes) / tenPercent.Length;

        // A gap under 128 takes one varint byte, plus the int8 value: 2 bytes per kept parameter, 0.2 B/param at 10%
        // against Flower's 4, so at most 20x; the headers take the rest.
        Assert.True(ratio10 >= 18, "ratio " + ratio10);
        Assert.True(ratio10 <= 20, "ratio " + ratio10);
    }
}
