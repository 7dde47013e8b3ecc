using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Consent
{
    /// <summary>
    /// Applies the device's <see cref="ConsentPolicy"/> to its optional uploads (drift windows, federated learning,
    /// heartbeat telemetry); service traffic (hello, heartbeat basics, acks, receipts, variant switches, model health,
    /// command results, chunk status, drop reports) is never subject to it. Each poll reads the link and the power
    /// (<see cref="Refresh"/>): queued data of a category whose condition (wifi, charging) is unmet waits in the outbox,
    /// and what a denied category queued is withdrawn from it (usage receipts are never touched).
    /// </summary>
    public sealed class ConsentGate : IUploadGate
    {
        private readonly IUplink _uplink;
        private readonly FederatedClient _learning;
        private readonly INetwork _network;
        private readonly IPower _power;
        private readonly ILog _log;
        private bool _learningAllowed;

        /// <param name="learning">Told what consent refuses or waits for; null when the device does not learn.</param>
        /// <param name="network">The board's link, asked whether it is metered (consent "wifi"); null: not metered.</param>
        public ConsentGate(ConsentPolicy policy, IUplink uplink, FederatedClient learning, INetwork network, IPower power, ILog log)
        {
            Policy = policy;
            _uplink = uplink;
            _learning = learning;
            _network = network;
            _power = power;
            _log = log;

            // Data queued under an earlier consent that now denies it (reprovisioned, or revoked before a power cut) never goes out.
            WithdrawDenied();
            Refresh();
        }

        /// <summary>The provisioned settings and the user's grants.</summary>
        public ConsentPolicy Policy { get; private set; }

        /// <summary>Whether drift windows may be queued now (as of the last <see cref="Refresh"/>).</summary>
        public bool DriftAllowed { get; private set; }

        /// <summary>Whether the heartbeat may carry its telemetry section now.</summary>
        public bool TelemetryAllowed { get; private set; }

        /// <summary>
        /// The user grants a category on the device (a button or local UI of the board app, the virtual fleet); persisted.
        /// True when this changed the grants: the host should hear a new hello.
        /// </summary>
        public bool Grant(int category)
        {
            if (!Policy.Grant(category))
            {
                return false;
            }

            Changed(category, "granted");
            return true;
        }

        /// <summary>
        /// The user takes a grant back; persisted. When that denies the category, its data still queued is withdrawn before
        /// it is sent and a pending round is dropped. True when this changed the grants.
        /// </summary>
        public bool Revoke(int category)
        {
            if (!Policy.Revoke(category))
            {
                return false;
            }

            Changed(category, "revoked");
            return true;
        }

        /// <summary>Reads this poll's consent: the drift and telemetry flags, and what the federated client refuses or waits for.</summary>
        public void Refresh()
        {
            bool metered = _network != null && _network.IsMetered;
            bool plugged = _power.Source == PowerSource.External;
            DriftAllowed = Policy.Allows(UploadConsent.Drift, metered, plugged);
            _learningAllowed = Policy.Allows(UploadConsent.Learning, metered, plugged);
            TelemetryAllowed = Policy.Allows(UploadConsent.Telemetry, metered, plugged);
            if (_learning != null)
            {
                _learning.ConsentRefusal = Policy.IsDenied(UploadConsent.Learning) ? Policy.Why(UploadConsent.Learning, metered, plugged) : null;
                _learning.ConsentWait = _learningAllowed ? null : Policy.Why(UploadConsent.Learning, metered, plugged);
            }
        }

        /// <summary>Queued data of a category whose condition is unmet waits in the outbox; everything else goes out.</summary>
        public bool HeldBack(int kind)
        {
            return (kind == MessageKind.Drift && !DriftAllowed) || (kind == MessageKind.Chunk && !_learningAllowed);
        }

        /// <summary>Withdraws from the outbox what a denied category queued: drift windows, and the chunks of federated updates.</summary>
        private void WithdrawDenied()
        {
            if (Policy.IsDenied(UploadConsent.Drift))
            {
                int n = _uplink.Withdraw(MessageKind.Drift);
                if (n > 0)
                {
                    _log.Info("consent: " + n + " queued drift windows withdrawn");
                }
            }

            if (Policy.IsDenied(UploadConsent.Learning))
            {
                // Only federated updates go up as chunks.
                int n = _uplink.Withdraw(MessageKind.Chunk);
                if (n > 0)
                {
                    _log.Info("consent: " + n + " queued update chunks withdrawn");
                }

                if (_learning != null)
                {
                    _learning.Withdraw("consent: learning withdrawn");
                }
            }
        }

        private void Changed(int category, string what)
        {
            _log.Info("consent: " + UploadConsent.CategoryName(category) + " " + what + " by the user");
            WithdrawDenied();
            Refresh();
        }
    }
}
