using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>A device whose hello shows, in one role, another model than the one the host installed there last.</summary>
/// <param name="Role">The assignment role (<see cref="VariantAssignment.RolePlugged"/> or <see cref="VariantAssignment.RoleBattery"/>).</param>
/// <param name="Reported">The first bytes of the active model's content hash, as the device reported them (hex).</param>
/// <param name="Installed">The model the device confirmed installing last in that role: variant id and content hash (hex, 16 digits).</param>
/// <param name="ReportedVariant">The variant an earlier assignment of the reported hash carried, or null for a model this host never sent.</param>
public sealed record StaleImageFinding(string DeviceId, int Role, string Reported, string InstalledVariant, string Installed, string? ReportedVariant)
{
    public string Describe() => ReportedVariant != null
        ? $"{VariantAssignment.RoleName(Role)} role runs {ReportedVariant} ({Reported}), older than the {InstalledVariant} ({Installed}) it confirmed installing: a restored flash image, or a fallback after damage"
        : $"{VariantAssignment.RoleName(Role)} role runs a model this host never assigned ({Reported}) instead of {InstalledVariant} ({Installed})";
}

/// <summary>
/// Detects a flash image put back to an older state (docs/protection.md): a device reports in its hello the content
/// hash of the model active in each role; the host compares it with the install the device confirmed last in that role
/// (its newest variant-switch report "installed", and the assignment with that transfer). A role whose newest report
/// is a rollback, or with no confirmed install, is not judged. Only a hello sent after that report counts.
/// </summary>
public static class StaleImageCheck
{
    /// <summary>Judges one hello against the device's switch reports and assignments (any order).</summary>
    public static IReadOnlyList<StaleImageFinding> Evaluate(
        string deviceId,
        long helloSequence,
        HelloPayload hello,
        IReadOnlyList<VariantSwitchRecord> reports,
        IReadOnlyList<VariantAssignment> assignments)
    {
        ArgumentNullException.ThrowIfNull(hello);
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(assignments);
        var findings = new List<StaleImageFinding>();
        if (hello.InstalledHashes == null)
        {
            return findings;
        }

        for (int index = 0; index < hello.InstalledHashes.Length; index++)
        {
            int role = index + 1;
            byte[] reported = hello.InstalledHashes[index];
            if (reported.All(b => b == 0))
            {
                continue;
            }

            var last = reports
                .Where(r => r.Sequence < helloSequence && r.Report.AssignedRole == role
                    && r.Report.Reason is VariantSwitchPayload.ReasonInstalled or VariantSwitchPayload.ReasonRolledBack)
                .MaxBy(r => r.Sequence);
            if (last == null || last.Report.Reason != VariantSwitchPayload.ReasonInstalled)
            {
                continue;
            }

            var installed = assignments.LastOrDefault(a => a.Role == role && a.TransferId == last.Report.TransferId);
            if (installed == null || Prefix(installed.ContentHash).SequenceEqual(reported))
            {
                continue;
            }

            var earlier = assignments.LastOrDefault(a => a.Role == role && Prefix(a.ContentHash).SequenceEqual(reported));
            findings.Add(new StaleImageFinding(
                deviceId,
                role,
                Convert.ToHexStringLower(reported),
                installed.VariantId,
                Convert.ToHexStringLower(Prefix(installed.ContentHash)),
                earlier?.VariantId));
        }

        return findings;
    }

    /// <summary>Judges the device's newest hello from the store.</summary>
    public static async Task<IReadOnlyList<StaleImageFinding>> CheckAsync(IFleetStore store, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var hellos = await store.MessagesAsync(deviceId, MessageKind.Hello, 1, cancellationToken).ConfigureAwait(false);
        if (hellos.Count == 0)
        {
            return [];
        }

        var hello = hellos.MaxBy(m => m.Sequence)!;
        var reports = await VariantDelivery.SwitchReportsAsync(store, deviceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var assignments = (await store.CommandsAsync(deviceId, VariantAssignment.CommandName, cancellationToken).ConfigureAwait(false))
            .Select(c => VariantAssignment.Decode(c.Arguments))
            .ToList();
        return Evaluate(deviceId, hello.Sequence, HelloPayload.Decode(hello.Payload), reports, assignments);
    }

    private static byte[] Prefix(byte[] hash) => hash[..HelloPayload.InstalledHashBytes];
}
