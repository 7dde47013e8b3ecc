using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Web.Contracts;

/// <summary>A quota token as `quota ls --output json` gives it: the grant and the device's answer ("queued", "sent", "accepted" or "refused"); never the token's tag.</summary>
public sealed record QuotaTokenJson(
    string DeviceId,
    long TokenId,
    string ModelId,
    long Allowance,
    string Policy,
    long GraceAllowance,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    long CommandId,
    DateTimeOffset? SentAt,
    string Answer,
    int? ResultStatus,
    string? ResultDetail,
    DateTimeOffset? AnsweredAt)
{
    public static QuotaTokenJson Of(QuotaTokenRecord t) => new(
        t.DeviceId, t.TokenId, t.ModelId, t.Allowance, QuotaToken.PolicyName(t.Policy), t.GraceAllowance, t.IssuedAt, t.ExpiresAt, t.CommandId, t.SentAt,
        t.ResultStatus switch { null => t.SentAt == null ? "queued" : "sent", 0 => "accepted", _ => "refused" },
        t.ResultStatus, t.ResultDetail, t.AnsweredAt);
}
