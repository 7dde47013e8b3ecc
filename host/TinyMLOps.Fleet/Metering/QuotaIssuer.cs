using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Fleet.Metering;

/// <summary>What an operator grants: an allowance of one model on one device, how long it is valid, and what happens past it.</summary>
public sealed record QuotaGrantRequest(
    string DeviceId,
    string ModelId,
    ulong Allowance,
    TimeSpan ValidFor,
    int Policy = QuotaToken.PolicyRefuse,
    uint GraceAllowance = 0);

/// <summary>An issued token, the command that carries it, and whether it went out at once.</summary>
public sealed record QuotaGrant(QuotaToken Token, long CommandId, bool SentNow);

/// <summary>
/// Issues prepaid quota tokens: a per-device token id from the store (strictly increasing, never reused, even
/// across workers and restarts), signed with the device's key, queued as the command
/// <see cref="QuotaToken.CommandName"/> together with its record in one transaction, and sent at once when a host
/// worker is given (an offline device gets it at its next hello). The device's answer (accepted, or refused with a
/// reason) lands on the command and shows in <see cref="TokensAsync"/>.
///
/// A device the ledger has flagged, or one flagged as a model-extraction suspect with its quota cut, gets no new
/// tokens until an operator clears the flag: once its current token runs out the device applies its overrun policy.
/// </summary>
public sealed class QuotaIssuer(IFleetStore store, DeviceKeys keys, IDownlink? downlink = null, TimeProvider? time = null, ILogger? log = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _log = log ?? NullLogger.Instance;

    public async Task<QuotaGrant> GrantAsync(QuotaGrantRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var ledger = (await store.MeterSnapshotAsync(request.DeviceId, cancellationToken).ConfigureAwait(false)).Device;
        if (ledger.Flagged)
        {
            throw new InvalidOperationException($"device '{request.DeviceId}' is flagged by the usage ledger ({ledger.FlagReason}): its quota is cut until an operator clears the flag (`tinymlops meter clear`)");
        }

        if (await store.GetExtractionSuspectAsync(request.DeviceId, cancellationToken).ConfigureAwait(false) is { Flagged: true, QuotaCut: true } suspect)
        {
            throw new InvalidOperationException($"device '{request.DeviceId}' is flagged as a model-extraction suspect ({suspect.Reasons}): its quota is cut until an operator clears the flag (`tinymlops meter clear-suspect`)");
        }

        long id = await store.NextQuotaTokenIdAsync(request.DeviceId, cancellationToken).ConfigureAwait(false);
        if (id > uint.MaxValue)
        {
            throw new InvalidOperationException($"device '{request.DeviceId}' has used every quota token id");
        }

        var now = _time.GetUtcNow();
        long issuedAt = now.ToUnixTimeSeconds();
        long expiresAt = issuedAt + Math.Max(1, (long)request.ValidFor.TotalSeconds);
        if (expiresAt > uint.MaxValue)
        {
            throw new ArgumentException("the token would expire after 2106, past the device clock's range");
        }

        var token = new QuotaToken
        {
            DeviceId = request.DeviceId,
            ModelId = request.ModelId,
            TokenId = (uint)id,
            Allowance = request.Allowance,
            IssuedAt = (uint)issuedAt,
            ExpiresAt = (uint)expiresAt,
            OverrunPolicy = request.Policy,
            GraceAllowance = request.GraceAllowance,
        };
        token.Sign(keys.For(request.DeviceId));
        var record = new QuotaTokenRecord(
            request.DeviceId,
            id,
            request.ModelId,
            (long)request.Allowance,
            DateTimeOffset.FromUnixTimeSeconds(issuedAt),
            DateTimeOffset.FromUnixTimeSeconds(expiresAt),
            request.Policy,
            request.GraceAllowance,
            0,
            null,
            null,
            null,
            null);
        long commandId = await store.RecordQuotaGrantAsync(record, QuotaToken.CommandName, token.Encode(), cancellationToken).ConfigureAwait(false);
        _log.LogInformation("Quota token {Token} for {Device}: {Allowance} inferences of {Model} until {Expires:u}, {Policy}", id, request.DeviceId, request.Allowance, request.ModelId, record.ExpiresAt, QuotaToken.PolicyName(request.Policy));

        bool sent = false;
        if (downlink != null)
        {
            // Online now: send at once (an offline device gets it at its next hello).
            string fleet = (await store.GetDeviceAsync(request.DeviceId, cancellationToken).ConfigureAwait(false))?.Fleet ?? "default";
            sent = await downlink.SendPendingCommandsAsync(fleet, request.DeviceId, cancellationToken).ConfigureAwait(false) > 0;
        }

        return new QuotaGrant(token, commandId, sent);
    }

    /// <summary>Issued tokens with the device's answer, newest first.</summary>
    public Task<IReadOnlyList<QuotaTokenRecord>> TokensAsync(string? deviceId = null, CancellationToken cancellationToken = default) =>
        store.QuotaTokensAsync(deviceId, cancellationToken);

    private static void Validate(QuotaGrantRequest r)
    {
        ArgumentException.ThrowIfNullOrEmpty(r.DeviceId);
        ArgumentException.ThrowIfNullOrEmpty(r.ModelId);
        if (r.Policy is < QuotaToken.PolicyRefuse or > QuotaToken.PolicyGrace)
        {
            throw new ArgumentException($"overrun policy {r.Policy} is not refuse (1), free variant (2) or grace (3)");
        }

        if (r.Policy != QuotaToken.PolicyGrace && r.GraceAllowance != 0)
        {
            throw new ArgumentException("a grace allowance needs the grace policy");
        }

        if (r.Policy == QuotaToken.PolicyGrace && r.GraceAllowance == 0)
        {
            throw new ArgumentException("the grace policy needs a grace allowance above 0");
        }

        if (r.ValidFor <= TimeSpan.Zero)
        {
            throw new ArgumentException("the token must be valid for a positive time");
        }

        if (r.Allowance > long.MaxValue)
        {
            throw new ArgumentException("the allowance must be below 2^63");
        }
    }
}
