using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>What the device says about itself: the hello the agent queues on each connect, and the periodic heartbeat.</summary>
    public interface IDeviceStatus
    {
        HelloPayload Hello();

        HeartbeatPayload Heartbeat(long nowMillis);
    }
}
