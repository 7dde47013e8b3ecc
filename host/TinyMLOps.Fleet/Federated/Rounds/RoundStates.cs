namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>The life of a round: configured → collecting → aggregating → evaluating → releasing → released, or an end on the way.</summary>
public static class RoundStates
{
    public const string Configured = "configured";
    public const string Collecting = "collecting";
    public const string Aggregating = "aggregating";
    public const string Evaluating = "evaluating";
    public const string Releasing = "releasing";
    public const string Released = "released";

    /// <summary>The candidate did not pass the release gate (forgetting, or no gain).</summary>
    public const string Rejected = "rejected";

    /// <summary>Too few deltas by the deadline, or no eligible device.</summary>
    public const string Failed = "failed";

    public const string Cancelled = "cancelled";

    public static bool IsFinished(string state) => state is Released or Rejected or Failed or Cancelled;
}

/// <summary>Where one device stands in a round.</summary>
public static class ParticipantStates
{
    public const string Invited = "invited";
    public const string Accepted = "accepted";
    public const string Declined = "declined";
    public const string Uploaded = "uploaded";

    /// <summary>Its delta failed validation (wrong base, shape, sample count), or could not be decoded.</summary>
    public const string Rejected = "rejected";

    /// <summary>Invited, but nothing arrived by the deadline.</summary>
    public const string Straggler = "straggler";

    /// <summary>Decommissioned while the round ran: it takes no further part.</summary>
    public const string Decommissioned = "decommissioned";

    public static bool IsOpen(string state) => state is Invited or Accepted;
}
