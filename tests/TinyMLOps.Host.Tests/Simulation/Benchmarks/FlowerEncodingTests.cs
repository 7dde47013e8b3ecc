using System.Buffers.Binary;
using System.Text;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

public sealed class FlowerEncodingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(64)]
    [InlineData(8192)]
    [InlineData(1_000_000)]
    public void A_one_dimensional_array_takes_128_header_bytes_and_4_bytes_per_value(int n)
    {
        byte[] bytes = FlowerEncoding.Encode(new float[n]);

        Assert.Equal(128 + (4 * n), bytes.Length);
        Assert.Equal(bytes.Length, FlowerEncoding.EncodedLength([n]));
    }

    [Fact]
    public void The_header_is_byte_for_byte_what_numpy_saves()
    {
        // numpy 1.24.2: np.save(f, np.zeros(8192, dtype='<f4')), and np.zeros((64, 128), dtype='<f4').
        AssertHeader(FlowerEncoding.Encode(new float[8192]), "{'descr': '<f4', 'fortran_order': False, 'shape': (8192,), }", 57);
        AssertHeader(FlowerEncoding.Encode(new float[64 * 128], [64, 128]), "{'descr': '<f4', 'fortran_order': False, 'shape': (64, 128), }", 55);
        AssertHeader(FlowerEncoding.Encode(new float[1]), "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 60);
    }

    [Fact]
    public void The_values_follow_as_little_endian_float32_and_read_back()
    {
        float[] values = [1.5f, -2.25f, float.Epsilon, 3e38f];

        byte[] bytes = FlowerEncoding.Encode(values, [2, 2]);
        var (shape, back) = FlowerEncoding.Decode(bytes);

        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(128)));
        Assert.Equal([2, 2], shape);
        Assert.Equal(values, back);
    }

    [Fact]
    public void An_update_is_one_npy_file_per_array()
    {
        byte[][] update = FlowerEncoding.EncodeUpdate([new float[6], new float[3]], [[3, 2], [3]]);

        Assert.Equal([128 + 24, 128 + 12], update.Select(b => b.Length));
    }

    [Fact]
    public void Refuses_a_shape_that_does_not_hold_the_values_and_a_foreign_header()
    {
        Assert.Throws<ArgumentException>(() => FlowerEncoding.Encode(new float[5], [2, 2]));
        byte[] bytes = FlowerEncoding.Encode(new float[2]);
        bytes[23] = (byte)'8'; // '<f8'
        Assert.Throws<InvalidDataException>(() => FlowerEncoding.Decode(bytes));
    }

    private static void AssertHeader(byte[] bytes, string dict, int spaces)
    {
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        Assert.Equal(118, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(dict + new string(' ', spaces) + "\n", Encoding.ASCII.GetString(bytes, 10, 118));
    }
}
