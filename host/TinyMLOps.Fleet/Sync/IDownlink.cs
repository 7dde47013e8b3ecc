namespace TinyMLOps.Fleet.Sync;

/// <summary>
/// The way to a device: its queued commands and chunked transfers. Rollouts, rounds and quota issuing send through
/// this port, so they need the host worker's MQTT session only when one runs; the console records their work in the
/// store without one, and the service sends it.
/// </summary>
public interface IDownlink
{
    /// <summary>Sends the device's queued commands that were not sent recently; how many went out.</summary>
    Task<int> SendPendingCommandsAsync(string fleet, string deviceId, CancellationToken cancellationToken);

    /// <summary>The transfer in progress to the device under this id, or null.</summary>
    DownlinkTransfer? FindTransfer(string deviceId, uint transferId);

    /// <summary>Starts (or restarts) a chunked transfer of an artifact to the device.</summary>
    Task<DownlinkTransfer> StartTransferAsync(string fleet, string deviceId, uint transferId, int contentType, byte[] artifact, CancellationToken cancellationToken);

    /// <summary>Forgets a transfer (superseded by a newer assignment); the device's next one starts.</summary>
    Task CancelTransferAsync(string deviceId, uint transferId, CancellationToken cancellationToken);
}
