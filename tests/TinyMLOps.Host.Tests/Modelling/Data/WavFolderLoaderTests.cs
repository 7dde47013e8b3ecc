using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>WAV class folders: the encodings read, the first channel kept, the sample rate checked per file, the waveform hook.</summary>
public sealed class WavFolderLoaderTests : DataFiles
{
    private static readonly float[] Ramp = [0f, 0.25f, -0.5f, 0.75f, -1f];

    [Theory]
    [InlineData(1, 16, 1.0 / 32768)]
    [InlineData(1, 8, 1.0 / 128)]
    [InlineData(3, 32, 0)]
    public void Pcm_and_float_files_decode_to_the_same_waveform_in_minus_one_to_one(int format, int bits, double step)
    {
        Waveform wave = WavFolderLoader.Read(DataFiles.Wav(8000, bits, 1, Ramp, format));
        Assert.Equal(8000, wave.SampleRate);
        for (int i = 0; i < Ramp.Length; i++)
        {
            Assert.Equal(Ramp[i], wave.Samples[i], step + 1e-6);
        }
    }

    [Fact]
    public void A_stereo_file_keeps_its_first_channel()
    {
        Waveform wave = WavFolderLoader.Read(DataFiles.Wav(16000, 16, 2, [0.5f, -0.5f, 0.25f, -0.25f]));
        Assert.Equal(2, wave.Channels);
        Assert.Equal([0.5f, 0.25f], wave.Samples);
    }

    [Fact]
    public void A_clip_with_another_sample_rate_is_skipped_naming_the_file_and_both_rates()
    {
        Write(Path.Combine("no", "a.wav"), DataFiles.Wav(16000, 16, 1, Ramp));
        Write(Path.Combine("yes", "a.wav"), DataFiles.Wav(16000, 16, 1, Ramp));
        Write(Path.Combine("yes", "b.wav"), DataFiles.Wav(44100, 16, 1, Ramp));
        Write(Path.Combine("yes", "c.wav"), "RIFF????WAVEjunk"u8.ToArray());

        DataSet data = WavFolderLoader.Load(Root, new DataSetOptions(1, 8, 1) { SampleRate = 16000 });
        Assert.Equal(["no", "yes"], data.ClassNames);
        Assert.Equal([0, 1], data.Labels!);
        Assert.Equal(2, data.Skipped.Count);
        Assert.Equal($"{Path.Combine(Root, "yes", "b.wav")}: sample rate 44100 Hz, expected 16000 Hz", data.Skipped[0].ToString());
        Assert.EndsWith("c.wav", data.Skipped[1].Path);
        // Padded with silence to the model's 8 values.
        Assert.Equal(8, data.Samples[0].Length);
        Assert.Equal(0f, data.Samples[0][7]);
    }

    [Fact]
    public void Without_an_expected_rate_the_first_file_sets_it()
    {
        Write("a.wav", DataFiles.Wav(8000, 16, 1, Ramp));
        Write("b.wav", DataFiles.Wav(16000, 16, 1, Ramp));
        DataSet data = WavFolderLoader.Load(Root, new DataSetOptions(1, 5, 1));
        Assert.Equal(1, data.Count);
        Assert.Null(data.Labels);
        Assert.Contains("expected 8000 Hz", Assert.Single(data.Skipped).Reason);
    }

    [Fact]
    public void The_waveform_hook_turns_each_clip_into_the_model_input()
    {
        Write(Path.Combine("a", "1.wav"), DataFiles.Wav(8000, 16, 1, Ramp));
        // A stand-in feature extractor: energy and length.
        var options = new DataSetOptions(1, 1, 2) { Waveform = (w, rate) => [w.ToArray().Sum(v => v * v), w.Length / (float)rate] };
        DataSet data = WavFolderLoader.Load(Root, options);
        Assert.Equal(0.0625f + 0.25f + 0.5625f + 1f, data.Samples[0][0], 3);
        Assert.Equal(5 / 8000f, data.Samples[0][1]);
    }
}
