namespace TinyMLOps.Modelling.Data;

/// <summary>
/// Turns one raw waveform (samples in [-1, 1] at <paramref name="sampleRate"/>) into the model's input (H·W·C floats,
/// HWC). The audio front-end (MFCC, spectrogram) plugs in here; without one the waveform itself is the input.
/// </summary>
public delegate float[] WaveformTransform(ReadOnlySpan<float> waveform, int sampleRate);

/// <summary>How <see cref="DataSetLoader"/> reads a path: the model's input shape and the format's own choices.</summary>
/// <param name="Height">The model's input height (1 for tables and 1-D signals).</param>
/// <param name="Width">The model's input width (the window length of a 1-D signal).</param>
/// <param name="Channels">The model's input channels (the features of a table row).</param>
public sealed record DataSetOptions(int Height, int Width, int Channels)
{
    /// <summary>The CSV column holding the label; every other column is a feature.</summary>
    public string LabelColumn { get; init; } = DefaultLabelColumn;

    /// <summary>True when the user named <see cref="LabelColumn"/>, so a CSV without it is an error rather than unlabelled data.</summary>
    public bool LabelColumnRequired { get; init; }

    /// <summary>Class labels for a .npy of samples (y.npy); null looks for one beside it.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>How .npy samples lay out their dimensions.</summary>
    public ArrayLayout Layout { get; init; } = ArrayLayout.Auto;

    /// <summary>The sample rate every WAV file must have; null takes the first file's rate.</summary>
    public int? SampleRate { get; init; }

    /// <summary>Raw waveform to model input; null feeds the waveform itself (padded with silence or cut to H·W·C).</summary>
    public WaveformTransform? Waveform { get; init; }

    /// <summary>With no train/ and test/ parts: the share held out by a seeded split (0: no split).</summary>
    public double Holdout { get; init; }

    /// <summary>The seed of that split, recorded in the result.</summary>
    public int SplitSeed { get; init; } = 1;

    public const string DefaultLabelColumn = "label";

    /// <summary>Values per sample.</summary>
    public int Elements => Height * Width * Channels;
}
