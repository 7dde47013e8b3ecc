using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Core.Telemetry;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>
    /// The <see cref="FederatedClient"/> in the sync loop: on every poll it may train a pending round and queue its update,
    /// as far as the power (plugged in, heavy work allowed by the power policy) and the idle time since the last
    /// inference let it.
    /// </summary>
    public sealed class LearningScheduler : ISyncPart
    {
        private readonly FederatedClient _client;
        private readonly PowerPolicy _policy;
        private readonly IPower _power;
        private readonly IClock _clock;
        private readonly InferenceActivity _activity;

        public LearningScheduler(FederatedClient client, PowerPolicy policy, IPower power, IClock clock, InferenceActivity activity)
        {
            _client = client;
            _policy = policy;
            _power = power;
            _clock = clock;
            _activity = activity;
        }

        public void Connected()
        {
        }

        public void Poll(long nowMillis)
        {
            _client.Poll(_clock.UnixSeconds, _power.Source == PowerSource.External, _policy.MayDoHeavyWork(_power), _activity.IdleSeconds);
        }
    }
}
