using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Records each inference and failure of the serving model in the <see cref="HealthWindow"/>, in the role that serves
    /// (none without variant slots), and queues the finished windows as droppable model-health messages on every poll.
    /// </summary>
    public sealed class HealthReporter : ISyncPart
    {
        private readonly VariantManager _variants;
        private readonly IUplink _uplink;
        private readonly IClock _clock;

        /// <param name="variants">Says which role serves; null on a device without variant slots.</param>
        public HealthReporter(HealthWindow window, VariantManager variants, IUplink uplink, IClock clock)
        {
            Window = window;
            _variants = variants;
            _uplink = uplink;
            _clock = clock;
        }

        public HealthWindow Window { get; private set; }

        /// <summary>One inference of the serving model, with its top-1 confidence in 1/65535 (<see cref="Classifier.TopConfidence"/>).</summary>
        public void Observe(string variantId, int confidence)
        {
            Window.Record(variantId, ServingRole(), confidence, _clock.UptimeMillis);
        }

        /// <summary>A failed load or inference of a model.</summary>
        public void ObserveError(string variantId)
        {
            Window.RecordError(variantId, ServingRole(), _clock.UptimeMillis);
        }

        public void Connected()
        {
        }

        public void Poll(long nowMillis)
        {
            for (ModelHealthPayload health = Window.Take(nowMillis); health != null; health = Window.Take(nowMillis))
            {
                _uplink.Enqueue(MessageKind.ModelHealth, health.Encode(), true);
            }
        }

        private ModelRole ServingRole()
        {
            return _variants == null ? ModelRole.None : _variants.ServingRole;
        }
    }
}
