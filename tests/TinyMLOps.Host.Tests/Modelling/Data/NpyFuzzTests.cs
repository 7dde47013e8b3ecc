using System.Text;
using TinyMLOps.Modelling.Data;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>Seeded random corruption of real .npy files: the reader may only ever answer with an array or <see cref="NpyFormatException"/>.</summary>
public class NpyFuzzTests(ITestOutputHelper output)
{
    public static TheoryData<string> Sources => ["f4_2x3.npy", "f4_2x1x3x2_v2.npy", "f4_2x3_v3.npy", "u1_2x2x2.npy", "i8_3.npy", "f4_scalar.npy", "refused_structured.npy", "refused_object.npy", "images_nchw.npy"];

    [Theory]
    [MemberData(nameof(Sources))]
    public void Thousands_of_random_mutations_raise_only_npy_format_exceptions(string source)
    {
        byte[] original = NpyTests.Fixture(source);
        var rng = new Random(4242 + source.Sum(ch => ch));
        int read = 0, refused = 0;
        const int iterations = 5000;
        for (int i = 0; i < iterations; i++)
        {
            byte[] mutated = Mutate(original, rng, out string how);
            try
            {
                NpyArray a = Npy.Read(mutated);
                Assert.Equal(a.Shape.Aggregate(1L, (p, d) => p * d), a.Values.Length);
                read++;
            }
            catch (NpyFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{source} mutation {i} ({how}) threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        output.WriteLine($"{source}: {iterations} mutations → {read} read, {refused} NpyFormatException");
    }

    [Fact]
    public void Every_truncation_of_a_file_is_refused_cleanly()
    {
        foreach (string source in new[] { "f4_2x3.npy", "f4_2x1x3x2_v2.npy", "f4_2x3_v3.npy" })
        {
            byte[] original = NpyTests.Fixture(source);
            for (int len = 0; len < original.Length; len++)
            {
                Assert.Throws<NpyFormatException>(() => Npy.Read(original.AsSpan(0, len)));
            }
        }
    }

    [Fact]
    public void Random_bytes_and_random_headers_are_refused_cleanly()
    {
        var rng = new Random(99);
        const string alphabet = "{}()[],:'\" \n0123456789-LTrueFalsNon<>|=f4i8u1b<descrfortran_ordershape";
        for (int i = 0; i < 5000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[rng.Next(0, 200)];
                rng.NextBytes(bytes);
                if (i % 4 == 0 && bytes.Length >= 8)
                {
                    Encoding.Latin1.GetBytes("\u0093NUMPY").CopyTo(bytes, 0);
                    bytes[6] = (byte)(1 + rng.Next(3));
                    bytes[7] = 0;
                }
            }
            else
            {
                string header = new([.. Enumerable.Range(0, rng.Next(0, 120)).Select(_ => alphabet[rng.Next(alphabet.Length)])]);
                if (rng.Next(2) == 0)
                {
                    header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {header}}}";
                }

                byte[] h = Encoding.Latin1.GetBytes(header);
                bytes = [0x93, .. "NUMPY"u8, 1, 0, (byte)h.Length, (byte)(h.Length >> 8), .. h, .. new byte[rng.Next(0, 64)]];
            }

            try
            {
                Npy.Read(bytes);
            }
            catch (NpyFormatException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"input {i} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
    }

    private static byte[] Mutate(byte[] data, Random rng, out string how)
    {
        byte[] b = (byte[])data.Clone();
        switch (rng.Next(6))
        {
            case 0:
                {
                    int flips = 1 + rng.Next(8);
                    for (int k = 0; k < flips; k++)
                    {
                        b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                    }

                    how = $"{flips} bit flips";
                    return b;
                }

            case 1:
                {
                    // The header (its first 128 bytes) is where the structure lives.
                    int count = 1 + rng.Next(4);
                    for (int k = 0; k < count; k++)
                    {
                        b[rng.Next(Math.Min(128, b.Length))] = (byte)rng.Next(256);
                    }

                    how = $"{count} random header bytes";
                    return b;
                }

            case 2:
                {
                    int len = rng.Next(b.Length);
                    how = $"truncated to {len}";
                    return b[..len];
                }

            case 3:
                {
                    int at = rng.Next(b.Length);
                    int len = Math.Min(1 + rng.Next(16), b.Length - at);
                    how = $"removed {len} at {at}";
                    return [.. b[..at], .. b[(at + len)..]];
                }

            case 4:
                {
                    int at = rng.Next(b.Length);
                    var extra = new byte[1 + rng.Next(16)];
                    rng.NextBytes(extra);
                    how = $"inserted {extra.Length} at {at}";
                    return [.. b[..at], .. extra, .. b[at..]];
                }

            default:
                {
                    // A header character swapped for one that means something to the parser.
                    const string meaningful = "{}()[],:'\"0123456789-LT<>|";
                    int at = 10 + rng.Next(Math.Max(1, Math.Min(118, b.Length - 10)));
                    if (at < b.Length)
                    {
                        b[at] = (byte)meaningful[rng.Next(meaningful.Length)];
                    }

                    how = $"header character {at}";
                    return b;
                }
        }
    }
}
