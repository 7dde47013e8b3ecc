using System.Text.Json;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>What a round did, kept as JSON in its record and shown by `round status` and `round history`.</summary>
public sealed record RoundResult
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public int Invited { get; init; }

    public int Uploaded { get; init; }

    public int Declined { get; init; }

    public int Rejected { get; init; }

    public int Stragglers { get; init; }

    public long Samples { get; init; }

    /// <summary>Encoded delta bytes received (the chunk framing aside).</summary>
    public long DeltaBytes { get; init; }

    /// <summary>What the same updates would have cost as Flower float32 arrays (.npy per tensor).</summary>
    public long Float32Bytes { get; init; }

    public string Strategy { get; init; } = "";

    public int ClientsUsed { get; init; }

    public int ClientsDropped { get; init; }

    public int ClientsTrimmed { get; init; }

    public double? Epsilon { get; init; }

    /// <summary>L2 norm of the aggregated update (0: nothing moved).</summary>
    public double UpdateNorm { get; init; }

    public double? CurrentAccuracy { get; init; }

    public double? CandidateAccuracy { get; init; }

    public IReadOnlyList<string> Labels { get; init; } = [];

    public IReadOnlyList<double> CurrentPerClass { get; init; } = [];

    public IReadOnlyList<double> CandidatePerClass { get; init; } = [];

    public IReadOnlyList<string> GateReasons { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RoundResult FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new RoundResult() : JsonSerializer.Deserialize<RoundResult>(json, Json) ?? new RoundResult();
}
