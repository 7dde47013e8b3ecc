using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Model;

public class ModelDriftProfileTests
{
    /// <summary>The MLP's 8x8x1 input on a 2x2 grid, 10 classes, with some counts so the bytes are not all zero.</summary>
    private static DriftProfile ProfileFor(Int8Model model)
    {
        var layout = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 16, model.Output.OutputElements, 10, model.InputH, model.InputW, model.InputC);
        var profile = layout.NewProfile();
        var rng = new Random(3);
        for (int i = 0; i < 20; i++)
        {
            var input = new sbyte[model.InputElements];
            for (int k = 0; k < input.Length; k++)
            {
                input[k] = (sbyte)rng.Next(-128, 128);
            }

            layout.AddSample(profile, input, 0, input.Length, rng.Next(layout.Classes), rng.Next(65536));
        }

        profile.AlarmPsiMilli = 150;
        return profile;
    }

    [Fact]
    public void A_model_with_a_profile_round_trips_it_and_sets_flag_bit_0()
    {
        var model = RandomModels.Mlp(4);
        model.DriftProfile = ProfileFor(model);
        byte[] bytes = ModelWriter.Write(model);
        var read = ModelReader.Read(bytes);

        Assert.Equal(ModelFormat.FlagDriftProfile, bytes[6] | (bytes[7] << 8));
        Assert.NotNull(read.DriftProfile);
        Assert.Equal(model.DriftProfile.Encode(), read.DriftProfile.Encode());
        Assert.Equal(150, read.DriftProfile.AlarmPsiMilli);
        Assert.Equal(bytes, ModelWriter.Write(read));
    }

    [Fact]
    public void Without_a_profile_the_file_is_the_profile_file_minus_its_section_with_flags_zero()
    {
        var model = RandomModels.Mlp(4);
        byte[] plain = ModelWriter.Write(model);
        byte[] plainHash = model.ContentHash;
        Assert.Null(ModelReader.Read(plain).DriftProfile);
        Assert.Equal(0, plain[6] | plain[7]);

        model.DriftProfile = ProfileFor(model);
        byte[] withProfile = ModelWriter.Write(model);
        int section = 4 + model.DriftProfile.EncodedLength;
        byte[] stripped = [.. withProfile[..(withProfile.Length - ModelFormat.CrcBytes - section)], 0, 0, 0, 0];
        stripped[6] = 0;
        Reseal(stripped);

        Assert.Equal(plain, stripped);
        Assert.NotEqual(plainHash, model.ContentHash);
    }

    [Fact]
    public void The_content_hash_covers_the_profile()
    {
        var model = RandomModels.Mlp(5);
        model.DriftProfile = ProfileFor(model);
        byte[] bytes = ModelWriter.Write(model);

        // A count in the last bytes of the profile, with the CRC fixed as an attacker would.
        bytes[bytes.Length - ModelFormat.CrcBytes - 2] ^= 0x01;
        FixCrc(bytes);
        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes));
        Assert.Contains("content hash mismatch", e.Message);
    }

    [Fact]
    public void Flags_other_than_the_profile_and_front_end_bits_stay_rejected()
    {
        // Bit 1 is the front-end section since issue 18; bit 2 is still unknown.
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(2));
        bytes[6] = 4;
        Assert.Contains("unknown flags 0x0004", Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes)).Message);
    }

    [Fact]
    public void A_set_flag_without_a_profile_section_is_truncated_at_the_profile_length()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(2));
        bytes[6] = 1;
        Reseal(bytes);
        Assert.Contains("truncated: drift profile length", Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes)).Message);
    }

    [Fact]
    public void A_profile_length_past_the_end_or_short_of_the_profile_is_rejected()
    {
        var model = RandomModels.Mlp(2);
        model.DriftProfile = ProfileFor(model);
        byte[] bytes = ModelWriter.Write(model);
        int lengthAt = bytes.Length - ModelFormat.CrcBytes - model.DriftProfile.EncodedLength - 4;

        BitConverter.GetBytes(model.DriftProfile.EncodedLength + 1).CopyTo(bytes, lengthAt);
        Reseal(bytes);
        Assert.Contains("truncated: drift profile needs", Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes)).Message);

        BitConverter.GetBytes(model.DriftProfile.EncodedLength - 4).CopyTo(bytes, lengthAt);
        Reseal(bytes);
        Assert.Contains("truncated: drift profile confidence counts", Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes)).Message);
    }

    [Fact]
    public void A_profile_for_another_class_count_is_rejected_by_the_reader_and_the_writer()
    {
        var model = RandomModels.Mlp(2);
        byte[] plain = ModelWriter.Write(model);
        var wrong = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 16, 9, 10, 8, 8, 1).NewProfile();
        byte[] section = wrong.Encode();
        byte[] bytes = [.. plain[..^ModelFormat.CrcBytes], .. BitConverter.GetBytes(section.Length), .. section, 0, 0, 0, 0];
        bytes[6] = 1;
        Reseal(bytes);

        Assert.Contains("9 classes, the model 10 outputs", Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes)).Message);
        model.DriftProfile = wrong;
        Assert.Throws<ModelFormatException>(() => ModelWriter.Write(model));
    }

    [Fact]
    public void Every_truncation_of_a_model_with_a_profile_is_rejected_and_cuts_in_the_section_name_the_profile()
    {
        var model = RandomModels.Mlp(6);
        model.DriftProfile = ProfileFor(model);
        byte[] bytes = ModelWriter.Write(model);
        int sectionAt = bytes.Length - ModelFormat.CrcBytes - model.DriftProfile.EncodedLength - 4;
        for (int n = 0; n < bytes.Length; n++)
        {
            byte[] cut = bytes[..n];
            Assert.Throws<ModelFormatException>(() => ModelReader.Read(cut));
            if (n >= sectionAt + ModelFormat.CrcBytes)
            {
                // Resealed so the cut reaches the body parser instead of stopping at the envelope.
                Reseal(cut);
                var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(cut));
                Assert.Contains("truncated: drift profile", e.Message);
            }
        }
    }

    [Fact]
    public void Fuzzed_models_with_profiles_fail_only_with_a_model_format_exception()
    {
        var rng = new Random(77);
        var model = RandomModels.Mlp(1, inputs: 16, hidden: 8, classes: 3);
        model.DriftProfile = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 4, 3, 3, model.InputH, model.InputW, model.InputC).NewProfile();
        byte[] seed = ModelWriter.Write(model);
        int rejected = 0, accepted = 0;
        for (int i = 0; i < 10_000; i++)
        {
            byte[] data = [.. seed];
            // Edits in the profile section and its length, resealed so the parser sees them.
            int at = rng.Next(seed.Length - 4 - model.DriftProfile.EncodedLength - 4, seed.Length - ModelFormat.CrcBytes);
            data[at] = (byte)rng.Next(256);
            if (rng.Next(4) == 0)
            {
                data = data[..rng.Next(ModelFormat.HeaderBytes + ModelFormat.CrcBytes, data.Length)];
            }

            Reseal(data);
            try
            {
                var read = ModelReader.Read(data);
                new Interpreter(read).Invoke();
                Assert.Equal(data, ModelWriter.Write(read));
                accepted++;
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 2_000, $"only {rejected} rejected");
        Assert.True(accepted > 1_000, $"only {accepted} accepted");
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
