using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyMLOps.Modelling.Watermarking;

/// <summary>
/// The secret of a weight-space watermark, kept by the host: the seed of the projection matrix X
/// (<see cref="Bits"/>.Length × inputs·units, Gaussian), the bit string embedded as sign(X·w) over the
/// flattened [units][inputs] weights of one dense layer, and the bit error rate at or below which a suspect
/// model counts as carrying the mark. Whoever holds the key can both verify and (with enough effort)
/// scrub the mark, so the file stays with the host.
/// </summary>
public sealed record WatermarkKey
{
    public const int CurrentVersion = 1;

    /// <summary>Default bit error rate threshold: for 64 bits, an unmarked model passes with probability ≈ 3e-5.</summary>
    public const double DefaultThreshold = 0.25;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int Version { get; init; } = CurrentVersion;

    /// <summary>64-bit seed of the projection matrix, as hex (the secret).</summary>
    public required string Seed { get; init; }

    /// <summary>Ordinal of the marked layer among the model's dense (FullyConnected) layers, 0 = first.</summary>
    public int Layer { get; init; }

    public required int Inputs { get; init; }

    public required int Units { get; init; }

    /// <summary>The embedded message, '0' and '1' characters.</summary>
    public required string Bits { get; init; }

    /// <summary>A model matches when its bit error rate is at most this.</summary>
    public double Threshold { get; init; } = DefaultThreshold;

    [JsonIgnore]
    public ulong SeedValue => Convert.ToUInt64(Seed, 16);

    [JsonIgnore]
    public int BitCount => Bits.Length;

    /// <summary>A fresh key with a random seed and a random message (both from the OS generator).</summary>
    public static WatermarkKey Create(int layer, int inputs, int units, int bitCount = 64, double threshold = DefaultThreshold)
    {
        if (bitCount < 8 || bitCount > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(bitCount), "a watermark has 8 to 1024 bits");
        }

        if (bitCount > inputs * units / 4)
        {
            throw new ArgumentException($"{bitCount} bits is too many for a {inputs}x{units} layer");
        }

        ulong seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        byte[] random = RandomNumberGenerator.GetBytes(bitCount);
        string bits = new(random.Select(b => (b & 1) == 1 ? '1' : '0').ToArray());
        return new WatermarkKey { Seed = seed.ToString("x16"), Layer = layer, Inputs = inputs, Units = units, Bits = bits, Threshold = threshold };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static WatermarkKey FromJson(string json)
    {
        WatermarkKey key = JsonSerializer.Deserialize<WatermarkKey>(json, Json) ?? throw new FormatException("empty watermark key");
        key.Validate();
        return key;
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static WatermarkKey Load(string path) => FromJson(File.ReadAllText(path));

    public void Validate()
    {
        if (Version != CurrentVersion)
        {
            throw new FormatException($"watermark key version {Version} is not supported (expected {CurrentVersion})");
        }

        if (string.IsNullOrEmpty(Seed) || Seed.Length > 16 || !Seed.All(Uri.IsHexDigit))
        {
            throw new FormatException("the watermark key's seed must be up to 16 hex digits");
        }

        if (Bits.Length < 8 || Bits.Any(c => c != '0' && c != '1'))
        {
            throw new FormatException("the watermark key's bits must be at least 8 '0'/'1' characters");
        }

        if (Layer < 0 || Inputs < 1 || Units < 1 || !(Threshold >= 0 && Threshold < 0.5))
        {
            throw new FormatException("the watermark key's layer, shape or threshold is out of range");
        }
    }
}
