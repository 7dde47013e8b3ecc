using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>`quota grant` and POST /quotas: an operator's grant read from text, issued and queued for the device.</summary>
public static class QuotaGrants
{
    /// <summary>refuse, fallback (or free-variant) or grace; <paramref name="label"/> names the input in the error.</summary>
    public static int Policy(string name, string label = "policy")
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "refuse" => QuotaToken.PolicyRefuse,
            "fallback" or "free-variant" => QuotaToken.PolicyFreeVariant,
            "grace" => QuotaToken.PolicyGrace,
            _ => throw new ArgumentException($"{label} is refuse, fallback or grace, not '{name}'"),
        };
    }

    /// <summary>The request from its text forms: the validity as a duration (7d, 12h, 30m) and the policy by name.</summary>
    public static QuotaGrantRequest Request(string deviceId, string modelId, ulong allowance, string expiresIn, string policy, uint grace, string policyLabel = "policy") =>
        new(deviceId, modelId, allowance, Periods.Duration(expiresIn), Policy(policy, policyLabel), grace);

    /// <summary>The device keys quota tokens are signed with; an ArgumentException naming where the key comes from when there is none.</summary>
    public static DeviceKeys Keys(string? masterKey, string whereFrom) =>
        DeviceKeys.FromConfiguration(masterKey) ?? throw new ArgumentException($"quota tokens are signed with the device keys: {whereFrom}");

    /// <summary>Issues the token, queues it, and returns it as `quota ls` shows it.</summary>
    public static async Task<QuotaTokenJson> GrantAsync(IFleetStore store, DeviceKeys keys, QuotaGrantRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        QuotaGrant grant = await new QuotaIssuer(store, keys).GrantAsync(request, cancellationToken).ConfigureAwait(false);
        var tokens = await store.QuotaTokensAsync(request.DeviceId, cancellationToken).ConfigureAwait(false);
        return QuotaTokenJson.Of(tokens.Single(t => t.TokenId == grant.Token.TokenId));
    }
}
