using System.Collections;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Counts how the serving variant does (inferences, errors, top-1 confidence) over consecutive windows and hands
    /// each finished window out as a <see cref="ModelHealthPayload"/>. A window ends when it has lasted its length or
    /// when another variant starts serving, so every report is about one variant. It lives in RAM: a reboot loses the
    /// open window, which only thins the host's evidence (health is droppable by design).
    /// </summary>
    public sealed class HealthWindow
    {
        /// <summary>Finished windows kept while none is taken; older ones are dropped.</summary>
        public const int MaxFinished = 4;

        private readonly long _windowMillis;
        private readonly ArrayList _finished = new ArrayList();
        private string _variantId;
        private ModelRole _role;
        private long _startMillis;
        private uint _inferences;
        private uint _errors;
        private long _confidenceSum;
        private uint _low;

        public HealthWindow(long windowMillis)
        {
            _windowMillis = windowMillis < 1000 ? 1000 : windowMillis;
        }

        /// <summary>Windows dropped because nobody took them.</summary>
        public int Dropped { get; private set; }

        /// <summary>One inference of a variant in a role (<see cref="ModelRole.None"/> outside the role slots) with its top-1 confidence in 1/65535.</summary>
        public void Record(string variantId, ModelRole role, int confidence, long nowMillis)
        {
            Switch(variantId, role, nowMillis);
            _inferences++;
            if (confidence < 0)
            {
                confidence = 0;
            }
            else if (confidence > 65535)
            {
                confidence = 65535;
            }

            _confidenceSum += confidence;
            if (confidence < ModelHealthPayload.LowConfidence)
            {
                _low++;
            }
        }

        /// <summary>A failed load or inference of a variant.</summary>
        public void RecordError(string variantId, ModelRole role, long nowMillis)
        {
            Switch(variantId, role, nowMillis);
            _errors++;
        }

        /// <summary>The next finished window, or null.</summary>
        public ModelHealthPayload Take(long nowMillis)
        {
            if (_finished.Count == 0 && _variantId != null && nowMillis - _startMillis >= _windowMillis && (_inferences > 0 || _errors > 0))
            {
                Cut(nowMillis);
                _startMillis = nowMillis;
            }

            if (_finished.Count == 0)
            {
                return null;
            }

            ModelHealthPayload p = (ModelHealthPayload)_finished[0];
            _finished.RemoveAt(0);
            return p;
        }

        private void Switch(string variantId, ModelRole role, long nowMillis)
        {
            if (variantId == null)
            {
                variantId = "";
            }

            if (_variantId == variantId && _role == role)
            {
                return;
            }

            if (_variantId != null && (_inferences > 0 || _errors > 0))
            {
                Cut(nowMillis);
            }

            _variantId = variantId;
            _role = role;
            _startMillis = nowMillis;
        }

        private void Cut(long nowMillis)
        {
            ModelHealthPayload p = new ModelHealthPayload();
            p.VariantId = _variantId;
            p.Role = (int)_role;
            p.StartUptimeSeconds = (uint)(_startMillis / 1000);
            p.WindowSeconds = (uint)((nowMillis - _startMillis) / 1000);
            p.Inferences = _inferences;
            p.Errors = _errors;
            p.MeanConfidence = _inferences == 0 ? 0 : (int)(_confidenceSum / _inferences);
            p.LowConfidenceCount = _low;
            if (_finished.Count >= MaxFinished)
            {
                _finished.RemoveAt(0);
                Dropped++;
            }

            _finished.Add(p);
            _inferences = 0;
            _errors = 0;
            _confidenceSum = 0;
            _low = 0;
        }
    }
}
