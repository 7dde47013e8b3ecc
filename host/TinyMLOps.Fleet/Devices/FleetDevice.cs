using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Devices;

/// <summary>A registered device with its tags, as listings and cohorts see it.</summary>
public sealed record FleetDevice(DeviceRecord Device, IReadOnlyList<string> Tags);
