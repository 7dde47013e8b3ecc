using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// The <see cref="VariantManager"/> in the sync loop: installs assigned variants whose download is complete and
    /// queues one variant-switch message per install, rejection, rollback and role switch (never dropped).
    /// </summary>
    public sealed class VariantReporter : IDownloadConsumer
    {
        /// <summary>Reports taken per call: an install or rollback per role, and a role switch.</summary>
        private const int MaxReports = 3;

        private readonly VariantManager _variants;
        private readonly IUplink _uplink;
        private readonly ILog _log;

        public VariantReporter(VariantManager variants, IUplink uplink, ILog log)
        {
            _variants = variants;
            _uplink = uplink;
            _log = log;
        }

        public bool ShouldReplaceDownload(uint transferId)
        {
            return _variants.ShouldReplaceDownload(transferId);
        }

        public bool InstallAndReport()
        {
            bool installed = false;
            for (int n = 0; n < MaxReports; n++)
            {
                VariantSwitchPayload report = _variants.Step();
                if (report == null)
                {
                    break;
                }

                EnqueueResult queued = _uplink.Enqueue(MessageKind.VariantSwitch, report.Encode(), false);
                if (!queued.Accepted)
                {
                    _log.Error("variant-switch refused by the outbox (" + EnqueueResult.StatusName(queued.Status) + ")");
                }

                _variants.Commit();
                installed |= report.Reason == VariantSwitchPayload.ReasonInstalled || report.Reason == VariantSwitchPayload.ReasonRejected;
            }

            return installed && _variants.AwaitingTransfer;
        }
    }
}
