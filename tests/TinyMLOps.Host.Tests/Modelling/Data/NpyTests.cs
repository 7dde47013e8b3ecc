using System.Buffers.Binary;
using System.Text;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>The .npy reader and writer, against files NumPy wrote (Fixtures/npy, made by make_npy_fixtures.py) and against itself.</summary>
public class NpyTests
{
    public static TheoryData<string, int[], string, float[]> NumPyFiles => new()
    {
        { "f4_2x3.npy", [2, 3], "<f4", Floats(6) },
        { "f8_4.npy", [4], "<f8", Floats(4) },
        { "f2_3.npy", [3], "<f2", Floats(3) },
        { "f4_scalar.npy", [], "<f4", [2.5f] },
        { "f4_empty_0x3.npy", [0, 3], "<f4", [] },
        { "f4_2x1x3x2_v2.npy", [2, 1, 3, 2], "<f4", Floats(12) },
        { "f4_2x3_v3.npy", [2, 3], "<f4", Floats(6) },
        { "u1_2x2x2.npy", [2, 2, 2], "|u1", [0, 1, 2, 3, 4, 5, 6, 7] },
        { "i1_5.npy", [5], "|i1", [-3, -2, -1, 0, 1] },
        { "i4_2x2.npy", [2, 2], "<i4", [-3, -2, -1, 0] },
        { "i8_3.npy", [3], "<i8", [-3, -2, -1] },
        { "b1_4.npy", [4], "|b1", [0, 1, 0, 1] },
    };

    public static TheoryData<string, string> RefusedNumPyFiles => new()
    {
        { "refused_big_endian.npy", "dtype '>f4' is big-endian" },
        { "refused_fortran_2x3.npy", "Fortran-ordered array (fortran_order: True) of shape (2, 3) is not supported" },
        { "refused_structured.npy", "structured dtypes" },
        { "refused_complex.npy", "complex numbers" },
        { "refused_strings.npy", "strings" },
        { "refused_object.npy", "object arrays hold pickled Python objects" },
        { "refused_two_arrays.npy", "bytes after the data of shape (2,)" },
    };

    [Theory]
    [MemberData(nameof(NumPyFiles))]
    public void Files_written_by_numpy_read_with_their_shape_dtype_and_values(string file, int[] shape, string descr, float[] values)
    {
        NpyArray a = Npy.Read(Fixture(file));
        Assert.Equal(shape, a.Shape);
        Assert.Equal(descr, a.Descr);
        Assert.Equal(values, a.Values);
    }

    [Theory]
    [MemberData(nameof(RefusedNumPyFiles))]
    public void Files_numpy_wrote_in_unsupported_forms_are_refused_with_one_clear_line(string file, string expected)
    {
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(OnnxTestSupport.FixturePath(Path.Combine("npy", file))));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(file + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_float32_writer_produces_exactly_the_bytes_numpy_saves()
    {
        Assert.Equal(Fixture("f4_2x3.npy"), Npy.WriteFloat32(Floats(6), 2, 3));
        Assert.Equal(Fixture("f4_scalar.npy"), Npy.WriteFloat32([2.5f]));
        Assert.Equal(Fixture("f4_empty_0x3.npy"), Npy.WriteFloat32([], 0, 3));
    }

    [Fact]
    public void The_int8_writer_produces_exactly_the_bytes_numpy_saves()
    {
        Assert.Equal(Fixture("i1_5.npy"), Npy.WriteInt8([-3, -2, -1, 0, 1], 5));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 2, 1, 28, 28 })]
    [InlineData(new[] { 0, 5 })]
    [InlineData(new[] { 2, 3, 1, 2, 1, 2 })]
    public void Float32_and_int8_arrays_of_any_rank_round_trip(int[] shape)
    {
        int n = shape.Aggregate(1, (p, d) => p * d);
        float[] values = TestData.RandomFloats(n, seed: n, lo: -1e6f, hi: 1e6f);
        values.AsSpan(0, Math.Min(n, 1)).Fill(float.NaN);
        NpyArray f = Npy.Read(Npy.WriteFloat32(values, shape));
        Assert.Equal(shape, f.Shape);
        Assert.Equal("<f4", f.Descr);
        Assert.Equal(values, f.Values);

        sbyte[] int8 = [.. Enumerable.Range(0, n).Select(i => (sbyte)((i * 37) - 128))];
        NpyArray i8 = Npy.Read(Npy.WriteInt8(int8, shape));
        Assert.Equal(shape, i8.Shape);
        Assert.Equal("|i1", i8.Descr);
        Assert.Equal(int8.Select(v => (float)v), i8.Values);
    }

    [Fact]
    public void Written_headers_are_padded_to_64_bytes_and_end_with_a_newline()
    {
        foreach (int[] shape in new[] { Array.Empty<int>(), [1], [123456789, 0], [3, 4, 5, 6, 7, 8, 9, 10] })
        {
            byte[] file = Npy.WriteInt8(new sbyte[shape.Aggregate(1, (p, d) => p * d)], shape);
            int headerEnd = 10 + BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
            Assert.Equal(0, headerEnd % 64);
            Assert.Equal((byte)'\n', file[headerEnd - 1]);
        }
    }

    [Fact]
    public void A_shape_that_does_not_hold_the_values_is_refused_when_writing()
    {
        Assert.Throws<ArgumentException>(() => Npy.WriteFloat32([1f, 2f], 3));
        Assert.Throws<ArgumentException>(() => Npy.WriteInt8([1], -1));
    }

    [Fact]
    public void A_fortran_ordered_array_with_one_dimension_above_1_is_read_as_it_is_the_same_layout()
    {
        NpyArray a = Npy.Read(Handmade("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }", Floats(3)));
        Assert.Equal([1, 3], a.Shape);
        Assert.Equal(Floats(3), a.Values);
    }

    [Fact]
    public void Header_variants_numpy_has_written_over_the_years_are_read()
    {
        // Python 2 longs, double quotes, keys in another order, no trailing comma, no newline, an unknown key.
        NpyArray a = Npy.Read(Handmade("{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f4\", 'extra': [1, None]}", Floats(2)));
        Assert.Equal([2, 1], a.Shape);
        Assert.Equal(Floats(2), a.Values);
    }

    [Theory]
    [InlineData("", "not a .npy file")]
    [InlineData("NUMPY", "not a .npy file")]
    [InlineData("\u0093NUMPY", "the file ends inside the version")]
    [InlineData("\u0093NUMPY\u0004\u0000", "version 4.0 is not supported")]
    [InlineData("\u0093NUMPY\u0001\u0001", "version 1.1 is not supported")]
    [InlineData("\u0093NUMPY\u0001\u0000\u0050", "the file ends inside the header length")]
    [InlineData("\u0093NUMPY\u0001\u0000\u0050\u0000{'descr'", "truncated header: it should have 80 bytes, the file has 8")]
    [InlineData("\u0093NUMPY\u0002\u0000\u00ff\u00ff\u00ff\u00ff", "larger than the 1,048,576 this reader accepts")]
    public void Malformed_starts_are_refused_with_one_clear_line(string latin1, string expected)
    {
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(Encoding.Latin1.GetBytes(latin1)));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("['descr', '<f4']", "header is not a Python dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "header has no 'shape' key")]
    [InlineData("{'shape': (2,), 'fortran_order': False}", "header has no 'descr' key")]
    [InlineData("{'shape': (2,), 'descr': '<f4'}", "header has no 'fortran_order' key")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order' is not True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': 2}", "'shape' is not a tuple of integers")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ('2',)}", "'shape' is not a tuple of integers")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "dimension -2")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,)}", "dimension 99999999999")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", "is not an integer in range")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536)}", "more than 2,147,483,591 elements")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "truncated data: shape (3,) of '<f4' needs 12 bytes, the file has 8")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "4 bytes after the data of shape (1,)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}", "key 'shape' appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "it ends early")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "unexpected text after the dict")]
    [InlineData("{'descr': '<f4 , 'fortran_order': False, 'shape': (2,)}", "header is not a valid dict literal")]
    [InlineData("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", "unexpected name 'false'")]
    [InlineData("{'descr': 'xyz', 'fortran_order': False, 'shape': (2,)}", "dtype 'xyz' is not supported")]
    [InlineData("{'descr': '<f3', 'fortran_order': False, 'shape': (2,)}", "dtype '<f3' is not supported")]
    [InlineData("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,)}", "dates and time deltas")]
    [InlineData("{'descr': '\n', 'fortran_order': False, 'shape': (2,)}", "dtype '\\u000a' is not a NumPy type string")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ((((((((((((((((((2,)))))))))))))))))),)}", "nested too deeply")]
    public void Malformed_headers_and_data_are_refused_with_one_clear_line(string header, string expected)
    {
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(Handmade(header, Floats(2))));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_version_3_header_that_is_not_utf8_is_refused()
    {
        byte[] file = Handmade("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': '\u00ff'}", Floats(2), version: 3);
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(file));
        Assert.Equal("header is not valid UTF-8", e.Message);
    }

    [Fact]
    public void A_version_3_header_in_utf8_is_read()
    {
        byte[] file = Handmade("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'note': 'größe'}", Floats(2), version: 3, utf8: true);
        Assert.Equal(Floats(2), Npy.Read(file).Values);
    }

    [Fact]
    public void A_missing_file_is_reported_as_missing_and_other_files_name_themselves_in_errors()
    {
        string dir = Directory.CreateTempSubdirectory("npy-").FullName;
        try
        {
            Assert.Throws<FileNotFoundException>(() => Npy.Read(Path.Combine(dir, "nope.npy")));
            string bad = Path.Combine(dir, "bad.npy");
            File.WriteAllText(bad, "x,y\n1,2\n");
            Assert.Equal("bad.npy: not a .npy file (no \\x93NUMPY magic at the start)", Assert.Throws<NpyFormatException>(() => Npy.Read(bad)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>floats arange(n) * 0.25 - 1, as make_npy_fixtures.py writes them.</summary>
    internal static float[] Floats(int n) => [.. Enumerable.Range(0, n).Select(i => (i * 0.25f) - 1f)];

    internal static byte[] Fixture(string file) => OnnxTestSupport.Fixture(Path.Combine("npy", file));

    /// <summary>A .npy file with this header text (not padded) and float32 data.</summary>
    private static byte[] Handmade(string header, float[] data, int version = 1, bool utf8 = false)
    {
        byte[] h = utf8 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header);
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 };
        file.AddRange(version == 1 ? BitConverter.GetBytes((ushort)h.Length) : BitConverter.GetBytes((uint)h.Length));
        file.AddRange(h);
        foreach (float v in data)
        {
            file.AddRange(BitConverter.GetBytes(v));
        }

        return [.. file];
    }
}
