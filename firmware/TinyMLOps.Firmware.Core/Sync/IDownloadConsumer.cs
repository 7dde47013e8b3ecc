namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>What the downloads are for (the variant manager): it installs completed transfers and reports its changes.</summary>
    public interface IDownloadConsumer
    {
        /// <summary>
        /// True when a chunk of <paramref name="transferId"/> was refused because another download is in progress that
        /// nothing waits for (a stray resend after an install): that download may be dropped for this one.
        /// </summary>
        bool ShouldReplaceDownload(uint transferId);

        /// <summary>
        /// Installs what the downloads completed and queues the reports; true when, after an install, it still waits for
        /// another transfer, which a new hello makes the host resend.
        /// </summary>
        bool InstallAndReport();
    }
}
