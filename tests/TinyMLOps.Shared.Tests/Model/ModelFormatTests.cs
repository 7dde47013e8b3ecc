using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Model;

public class ModelFormatTests
{
    [Fact]
    public void A_written_model_reads_back_to_the_same_bytes_and_the_same_predictions()
    {
        var model = RandomModels.Cnn(7);
        byte[] bytes = ModelWriter.Write(model);
        var read = ModelReader.Read(bytes);

        Assert.Equal(bytes, ModelWriter.Write(read));
        Assert.Equal(model.ContentHash, read.ContentHash);
        Assert.Equal("test-model", read.ModelId);
        Assert.Equal(model.Operators.Select(o => o.Name), read.Operators.Select(o => o.Name));

        var a = new Interpreter(model);
        var b = new Interpreter(read);
        var rng = new Random(1);
        for (int i = 0; i < 50; i++)
        {
            byte[] input = RandomModels.RandomInput(rng, model.InputElements);
            a.SetInputFromBytes(input, 0);
            b.SetInputFromBytes(input, 0);
            a.Invoke();
            b.Invoke();
            Assert.Equal(a.Arena.AsSpan(a.OutputOffset, a.OutputLength).ToArray(), b.Arena.AsSpan(b.OutputOffset, b.OutputLength).ToArray());
        }
    }

    [Fact]
    public void The_reader_keeps_weights_in_the_file_buffer()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(1));
        var read = ModelReader.Read(bytes);
        var fc = Assert.IsType<TinyMLOps.Shared.Kernels.FullyConnected>(read.Operators[1]);
        Assert.Same(bytes, fc.Weights);
    }

    [Theory]
    [InlineData(0, "bad magic")]
    [InlineData(4, "unsupported model format version")]
    [InlineData(6, "unknown flags")]
    [InlineData(60, "CRC mismatch")]
    public void A_damaged_header_or_body_is_rejected_with_its_reason(int offset, string reason)
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(2));
        bytes[offset] ^= 0x5A;
        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_body_changed_with_a_recomputed_crc_fails_the_content_hash()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(3));
        bytes[100] ^= 1;
        FixCrc(bytes);
        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes));
        Assert.Contains("content hash mismatch", e.Message);
    }

    [Fact]
    public void Every_truncation_is_rejected_as_truncated_or_mismatched()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Cnn(3));
        for (int n = 0; n < bytes.Length; n++)
        {
            var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes[..n]));
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("length mismatch") || e.Message.Contains("bad magic"), e.Message);
        }
    }

    /// <summary>
    /// Random mutations, truncations and insertions. Half of them get a valid envelope (hash and CRC
    /// recomputed), as a hostile file would, so the parser behind the checksums is fuzzed too.
    /// </summary>
    [Fact]
    public void Fuzzed_models_fail_only_with_a_model_format_exception()
    {
        var rng = new Random(2024);
        byte[][] seeds = [ModelWriter.Write(RandomModels.Cnn(1)), ModelWriter.Write(RandomModels.Mlp(1, inputs: 16, hidden: 8, classes: 3)), ModelWriter.Write(RandomModels.Graph(1))];
        int rejected = 0, accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] data = Mutate(rng, seeds[i % seeds.Length]);
            if (rng.Next(2) == 0 && data.Length >= ModelFormat.HeaderBytes + ModelFormat.CrcBytes)
            {
                Reseal(data);
            }

            try
            {
                var model = ModelReader.Read(data);
                var interpreter = new Interpreter(model);
                interpreter.Invoke();
                accepted++;
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 15_000, $"only {rejected} rejected");
        Assert.Equal(20_000, rejected + accepted);
    }

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        var data = seed.ToList();
        int edits = rng.Next(1, 6);
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(data.Count);
            switch (rng.Next(5))
            {
                case 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: data[at] = (byte)rng.Next(256); break;
                case 2: data.RemoveRange(at, Math.Min(rng.Next(1, 16), data.Count - at)); break;
                case 3: data.InsertRange(at, RandomModels.RandomInput(rng, rng.Next(1, 8))); break;
                default: data[at] = (byte)(rng.Next(2) == 0 ? 0xFF : 0x00); break;
            }

            if (data.Count == 0)
            {
                break;
            }
        }

        return [.. data];
    }

    private static void Reseal(byte[] data)
    {
        BitConverter.GetBytes(data.Length).CopyTo(data, 8);
        Sha256.Compute(data, ModelFormat.HeaderBytes, data.Length - ModelFormat.HeaderBytes - ModelFormat.CrcBytes).CopyTo(data, ModelFormat.HashOffset);
        FixCrc(data);
    }

    private static void FixCrc(byte[] data)
    {
        BitConverter.GetBytes(Crc32.Compute(data, 0, data.Length - 4)).CopyTo(data, data.Length - 4);
    }
}
