using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>What <see cref="VariantDelivery.AssignAsync"/> started: the queued command and the transfer.</summary>
public sealed record VariantDeliveryTicket(long CommandId, VariantAssignment Assignment, DownlinkTransfer Transfer);

/// <summary>A stored variant-switch message of a device.</summary>
public sealed record VariantSwitchRecord(long Sequence, DateTimeOffset DeviceTime, DateTimeOffset ReceivedAt, VariantSwitchPayload Report);

/// <summary>
/// Delivers a variant to one role of a device: queues a <see cref="VariantAssignment.CommandName"/> command in
/// the store (variant id, content hash, the tag signed with the device's key, transfer id and length), then starts
/// the chunked transfer of the file sealed for that device (<see cref="Seal"/>: AES-CTR under a key derived from
/// the device's key, then HMAC; content type <see cref="VariantAssignment.ContentTypeModel"/>). The device keeps
/// the sealed bytes on flash and decrypts them only when it loads the model, so a copied flash image neither
/// shows the weights nor loads on another device (docs/protection.md). Both work with
/// the device offline: the command sender sends queued commands when the device says hello, and the transfer
/// sends the missing chunks at hello too (commands first, so the device knows the transfer before it completes;
/// it also installs when the command comes after the download). The device answers the command at once
/// ("awaiting transfer N") and reports the install, or the rejection, as a variant-switch message.
///
/// The device assembles one transfer at a time: chunks of a second transfer are refused while the first is
/// incomplete. A device that still waits for an assigned transfer after an install says hello again, which
/// resends the waiting transfer; delivering both roles one after the other is faster.
/// </summary>
public static class VariantDelivery
{
    /// <summary>
    /// The transfer id of an artifact: the first four bytes of its content hash, so the same bytes always travel as
    /// the same transfer (a device that completed it already reports it complete at once).
    /// </summary>
    public static uint TransferIdOf(byte[] contentHash) => BitConverter.ToUInt32(contentHash, 0);

    /// <summary>The assignment of an artifact to a wire role (<see cref="VariantAssignment.RolePlugged"/> or <see cref="VariantAssignment.RoleBattery"/>) of the device holding deviceKey.</summary>
    public static VariantAssignment Assignment(int role, VariantArtifact artifact, byte[] file, byte[] deviceKey)
    {
        if (!VariantAssignment.IsRole(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "the role is 1 (plugged) or 2 (battery)");
        }

        byte[] hash = ModelReader.Read(file).ContentHash;
        if (!Convert.ToHexStringLower(hash).Equals(artifact.ContentHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{artifact.VariantId}: the file is not the artifact's (content hash {Convert.ToHexStringLower(hash)[..12]}…)");
        }

        return new VariantAssignment
        {
            Role = role,
            VariantId = artifact.VariantId,
            ContentHash = hash,
            Tag = ArtifactTag.Compute(deviceKey, hash, artifact.VariantId),
            TransferId = TransferIdOf(hash),
            TotalLength = (uint)(file.Length + SealedArtifact.OverheadBytes),
        };
    }

    /// <summary>
    /// The model file sealed for the device holding deviceKey (<see cref="SealedArtifact"/>), with the nonce derived
    /// from the device key and the content hash, so a resend or a restarted transfer carries the same bytes.
    /// </summary>
    public static byte[] Seal(byte[] file, byte[] deviceKey)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(deviceKey);
        byte[] hash = ModelReader.Read(file).ContentHash;
        return SealedArtifact.Seal(file, deviceKey, SealedArtifact.NonceFor(deviceKey, hash), DotNetAesBlockCipher.Instance);
    }

    public static async Task<VariantDeliveryTicket> AssignAsync(IFleetStore store, IDownlink downlink, string fleet, string deviceId, int role, VariantArtifact artifact, byte[] file, byte[] deviceKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(downlink);
        var assignment = Assignment(role, artifact, file, deviceKey);
        long commandId = await store.EnqueueCommandAsync(deviceId, VariantAssignment.CommandName, assignment.Encode(), cancellationToken).ConfigureAwait(false);

        // Online now: send at once (an offline device gets it at its next hello).
        await downlink.SendPendingCommandsAsync(fleet, deviceId, cancellationToken).ConfigureAwait(false);
        var transfer = await downlink.StartTransferAsync(fleet, deviceId, assignment.TransferId, VariantAssignment.ContentTypeModel, Seal(file, deviceKey), cancellationToken).ConfigureAwait(false);
        return new VariantDeliveryTicket(commandId, assignment, transfer);
    }

    /// <summary>The variant ids a device last reported on its plugged and battery roles (none before its first report).</summary>
    public static async Task<IReadOnlyList<string>> RunningVariantsAsync(IFleetStore store, string deviceId, CancellationToken cancellationToken = default)
    {
        var reports = await SwitchReportsAsync(store, deviceId, 1, cancellationToken).ConfigureAwait(false);
        return reports.Count == 0 ? [] : [.. new[] { reports[^1].Report.PluggedVariantId, reports[^1].Report.BatteryVariantId }.Where(v => v.Length > 0)];
    }

    /// <summary>The variant-switch reports a device sent (installs, rejections, role switches), oldest first.</summary>
    public static async Task<IReadOnlyList<VariantSwitchRecord>> SwitchReportsAsync(IFleetStore store, string deviceId, int limit = 1000, CancellationToken cancellationToken = default)
    {
        var messages = await store.MessagesAsync(deviceId, MessageKind.VariantSwitch, limit, cancellationToken).ConfigureAwait(false);
        return messages
            .OrderBy(m => m.Sequence)
            .Select(m => new VariantSwitchRecord(m.Sequence, DateTimeOffset.FromUnixTimeSeconds(m.DeviceTimestamp), m.ReceivedAt, VariantSwitchPayload.Decode(m.Payload)))
            .ToList();
    }
}
