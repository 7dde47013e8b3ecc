using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Contracts;

/// <summary>A round as `round history --output json` gives it: the record and its result (accuracies as fractions, bytes as numbers).</summary>
public sealed record RoundJson(
    string RoundId,
    string ModelId,
    string BaseVariantId,
    int BaseVersion,
    string Role,
    string? Fleet,
    string? Board,
    string? Cohort,
    string Strategy,
    string State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset UpdatedAt,
    string? CandidateVariantId,
    int? CandidateVersion,
    long? RolloutId,
    double? CompressionVsFloat32,
    RoundResult Result)
{
    public static RoundJson Of(RoundRecord r)
    {
        var result = RoundResult.FromJson(r.Result);
        return new(
            r.RoundId, r.ModelId, r.BaseVariantId, r.BaseVersion, VariantAssignment.RoleName(r.Role), r.Fleet, r.Board, r.Cohort,
            result.Strategy.Length > 0 ? result.Strategy : r.Strategy, r.State, r.Reason, r.CreatedAt, r.Deadline, r.UpdatedAt,
            r.CandidateVariantId, r.CandidateVersion, r.RolloutId, result.DeltaBytes > 0 ? (double)result.Float32Bytes / result.DeltaBytes : null, result);
    }

    /// <summary>`round status --output json`: the round, the settings the view prints, the participant counts per state and every participant.</summary>
    public sealed record Status(RoundJson Round, Settings Config, int Invited, int Answered, int Uploaded, long UplinkBytes, IReadOnlyDictionary<string, int> ParticipantsByState, IReadOnlyList<Participant> Participants)
    {
        public static Status Of(RoundStatus s) => new(
            RoundJson.Of(s.Round),
            new Settings(s.Config.Strategy, s.Config.Layers, s.Config.KeepFraction, s.Config.MinParticipants, s.Config.TargetParticipants, s.Config.MaxClassDropPoints, s.Config.MinGainPoints),
            s.Participants.Count,
            s.Participants.Count(p => p.State != ParticipantStates.Invited),
            s.Participants.Count(p => p.State == ParticipantStates.Uploaded),
            s.Participants.Sum(p => p.DeltaBytes ?? 0),
            s.Participants.GroupBy(p => p.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            [.. s.Participants.Select(p => new Participant(p.DeviceId, p.State, p.SampleCount, p.DeltaBytes, p.InvitedAt, p.UpdatedAt, p.Detail))]);
    }

    public sealed record Settings(string Strategy, int Layers, double KeepFraction, int MinParticipants, int TargetParticipants, double MaxClassDropPoints, double MinGainPoints);

    public sealed record Participant(string DeviceId, string State, long? Samples, long? DeltaBytes, DateTimeOffset InvitedAt, DateTimeOffset UpdatedAt, string Detail);
}
