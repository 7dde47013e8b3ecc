namespace TinyMLOps.Simulation.Signals;

/// <summary>The keyword corpus's words, classes and speakers (docs/tasks.md, "Keywords").</summary>
public static class KeywordVocabulary
{
    public const string Unknown = "_unknown_";
    public const string Silence = "_silence_";

    /// <summary>The ten keywords of the Speech Commands set.</summary>
    public static IReadOnlyList<string> Keywords { get; } = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"];

    /// <summary>The words spoken for <see cref="Unknown"/>: the Speech Commands auxiliary words.</summary>
    public static IReadOnlyList<string> Distractors { get; } =
    [
        "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];

    /// <summary>Every class, in the loader's (ordinal) order.</summary>
    public static IReadOnlyList<string> Classes { get; } = [.. Keywords.Append(Unknown).Append(Silence).Order(StringComparer.Ordinal)];

    /// <summary>espeak-ng's own English voices (accents) in Debian's espeak-ng-data; the MBROLA ones need other packages.</summary>
    public static IReadOnlyList<string> Voices { get; } =
        ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"];

    /// <summary>Voice variants (timbres): a speaker is a voice with a variant, e.g. en-us+f2.</summary>
    public static IReadOnlyList<string> MaleVariants { get; } = ["m1", "m2", "m3", "m4", "m5", "m6", "m7"];

    public static IReadOnlyList<string> FemaleVariants { get; } = ["f1", "f2", "f3", "f4", "f5"];
}
