using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Tags;

namespace TinyMLOps.Fleet.Devices;

/// <summary>
/// The device registry as operators see it: tags, listings filtered by tag expressions, and the cohorts rollouts and
/// rounds draw on. The console, the REST API and the controllers call these methods; the rules live here, the rows in the store.
/// <paramref name="runningVariants"/> gives the variant ids a device runs, for <c>variant:</c> selectors (the rollouts
/// layer supplies it: <see cref="Rollouts.VariantDelivery.RunningVariantsAsync"/>); without it they are refused.
/// </summary>
public sealed class DeviceDirectory(IFleetStore store, Func<string, CancellationToken, Task<IReadOnlyList<string>>>? runningVariants = null)
{
    /// <summary>Adds and removes tags (removals first) and returns the device's tags.</summary>
    /// <exception cref="ArgumentException">A bad tag (one line naming it) or an unknown device.</exception>
    /// <exception cref="InvalidOperationException">The device would carry more than <see cref="DeviceTags.MaxPerDevice"/> tags.</exception>
    public async Task<IReadOnlyList<string>> TagAsync(string deviceId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        DeviceTags.Validate(add);
        DeviceTags.Validate(remove);
        return await store.ChangeDeviceTagsAsync(deviceId, add, remove, DeviceTags.MaxPerDevice, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"no device '{deviceId}' in the registry");
    }

    public Task<IReadOnlyList<string>> TagsAsync(string deviceId, CancellationToken cancellationToken = default) => store.DeviceTagsAsync(deviceId, cancellationToken);

    /// <summary>The devices a selection takes, by device id, with their tags.</summary>
    public async Task<IReadOnlyList<FleetDevice>> ListAsync(DeviceSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var tags = await store.AllDeviceTagsAsync(cancellationToken).ConfigureAwait(false);
        var picked = new List<FleetDevice>();
        foreach (var device in await store.ListDevicesAsync(selection.Fleet, cancellationToken).ConfigureAwait(false))
        {
            if ((device.Decommissioned && !selection.IncludeDecommissioned) || (selection.Board != null && device.Board != selection.Board))
            {
                continue;
            }

            IReadOnlyList<string> own = tags.TryGetValue(device.DeviceId, out var t) ? t : [];
            if (selection.Tags != null && !selection.Tags.Matches(await SubjectAsync(device, own, selection.Tags, cancellationToken).ConfigureAwait(false)))
            {
                continue;
            }

            picked.Add(new FleetDevice(device, own));
        }

        return picked;
    }

    /// <summary>The live (not decommissioned) devices of a rollout's or round's cohort: fleet, board and tag expression.</summary>
    public async Task<IReadOnlyList<DeviceRecord>> CohortAsync(string? fleet, string? board, string? cohort, CancellationToken cancellationToken = default) =>
        [.. (await ListAsync(new DeviceSelection(fleet, board, TagExpression.ParseOptional(cohort)), cancellationToken).ConfigureAwait(false)).Select(d => d.Device)];

    private async Task<TagSubject> SubjectAsync(DeviceRecord device, IReadOnlyList<string> tags, TagExpression expression, CancellationToken cancellationToken)
    {
        if (!expression.UsesVariants)
        {
            return TagSubject.Of(device.DeviceId, device.Fleet, device.Board, tags);
        }

        // Only variant: selectors need the device's last switch report (one query per device).
        if (runningVariants == null)
        {
            throw new ArgumentException($"tag expression \"{expression.Text}\": variant: selectors are not available here");
        }

        var variants = await runningVariants(device.DeviceId, cancellationToken).ConfigureAwait(false);
        return TagSubject.Of(device.DeviceId, device.Fleet, device.Board, tags, variants);
    }
}
