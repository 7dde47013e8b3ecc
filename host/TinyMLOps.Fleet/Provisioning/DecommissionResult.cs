using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Provisioning;

/// <summary>What a decommission did: the device as now stored, and the unfinished rollouts and rounds it left.</summary>
public sealed record DecommissionResult(DeviceRecord Device, IReadOnlyList<long> RolloutsLeft, IReadOnlyList<string> RoundsLeft, bool AlreadyDecommissioned);
