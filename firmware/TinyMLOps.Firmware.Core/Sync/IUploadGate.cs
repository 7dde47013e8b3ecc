namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>What may go up now beyond the service traffic (the device's consent), read once per poll before the downlink.</summary>
    public interface IUploadGate
    {
        /// <summary>Reads this poll's conditions (is the link metered, is the device plugged in).</summary>
        void Refresh();

        /// <summary>True when queued messages of the kind wait in the outbox instead of going out now.</summary>
        bool HeldBack(int kind);
    }
}
