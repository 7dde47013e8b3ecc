using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class FrontEndSectionTests
{
    public static TheoryData<string> Kinds => new() { "mfcc", "spectral", "spectral scaled", "image rgb", "image grey" };

    private static FrontEnd Make(string kind) => kind switch
    {
        "mfcc" => new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0),
        "spectral" => new Spectral(3, 256, 8, Spectral.SpacingLinear, null),
        "image rgb" => new ImageFrontEnd(96, 96, 3, 0, 16, 96, 64, 32, 24, false, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]),
        "image grey" => new ImageFrontEnd(120, 160, 3, 0, 20, 120, 120, 28, 28, true, [0.286f], [0.353f]),
        _ => new Spectral(3, 256, 8, Spectral.SpacingLog, [0.5f, 1f, 2f]),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_section_decodes_to_the_same_parameters_and_length(string kind)
    {
        byte[] section = Make(kind).Encode();

        FrontEnd read = FrontEndCodec.Decode(section, 0, section.Length);

        Assert.Equal(section, read.Encode());
        Assert.Contains("unexpected bytes after the " + read.Name, Assert.Throws<ModelFormatException>(() => FrontEndCodec.Decode([.. section, 0], 0, section.Length + 1)).Message);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => FrontEndCodec.Decode(section, 0, section.Length - 1)).Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Fuzzed_sections_fail_only_with_a_model_format_exception(string kind)
    {
        byte[] section = Make(kind).Encode();
        var random = new Random(section.Length);
        int decoded = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] bytes = (byte[])section.Clone();
            int changes = 1 + random.Next(3);
            for (int c = 0; c < changes; c++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(4) == 0 ? random.Next(bytes.Length + 1) : bytes.Length;
            try
            {
                FrontEnd read = FrontEndCodec.Decode(bytes, 0, length);
                Assert.Equal(length, read.Encode().Length);
                decoded++;
            }
            catch (ModelFormatException)
            {
            }
        }

        Assert.True(decoded > 0);
    }

    [Fact]
    public void Every_byte_of_a_valid_section_is_checked_or_harmless()
    {
        // Each single byte set to each value: decodes to a front-end that re-encodes to the same bytes, or is refused.
        foreach (string kind in new[] { "mfcc", "spectral scaled" })
        {
            byte[] section = Make(kind).Encode();
            for (int i = 0; i < section.Length; i++)
            {
                foreach (byte v in new byte[] { 0, 1, 2, 127, 128, 255 })
                {
                    byte[] bytes = (byte[])section.Clone();
                    bytes[i] = v;
                    try
                    {
                        Assert.Equal(bytes, FrontEndCodec.Decode(bytes, 0, bytes.Length).Encode());
                    }
                    catch (ModelFormatException)
                    {
                    }
                }
            }
        }
    }
}
