namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>
    /// Adds and removes tags of a registered device in one transaction (removals first) and returns its tags, sorted.
    /// Null when the device is not registered; <see cref="InvalidOperationException"/> (nothing written) when the device
    /// would carry more than <paramref name="maxTags"/>.
    /// </summary>
    Task<IReadOnlyList<string>?> ChangeDeviceTagsAsync(string deviceId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, int maxTags, CancellationToken cancellationToken = default);

    /// <summary>The tags of one device, sorted (ordinal).</summary>
    Task<IReadOnlyList<string>> DeviceTagsAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>The tags of every tagged device, each list sorted; untagged devices are absent.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> AllDeviceTagsAsync(CancellationToken cancellationToken = default);

    /// <summary>The ids of the devices that carry every one of <paramref name="tags"/>, sorted.</summary>
    Task<IReadOnlyList<string>> DevicesWithTagsAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a device decommissioned (when, why) and clears its MQTT credential hash. False when it is not registered;
    /// a second call keeps the first time and reason.
    /// </summary>
    Task<bool> DecommissionDeviceAsync(string deviceId, string reason, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The ids of the decommissioned devices, sorted.</summary>
    Task<IReadOnlyList<string>> DecommissionedDevicesAsync(CancellationToken cancellationToken = default);
}
