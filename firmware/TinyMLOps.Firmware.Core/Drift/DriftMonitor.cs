using System;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Core.Drift
{
    /// <summary>
    /// Keeps the drift histograms of the serving model over consecutive windows (input groups, predicted class, top-1
    /// confidence, laid out like the model's reference profile), scores them against the reference and raises a local
    /// alarm. All memory is allocated here, so <see cref="Observe"/> allocates nothing. Finished windows leave as
    /// <see cref="DriftPayload"/>s with Laplace noise on their counts; the raw inputs never leave the device.
    /// The window lives in RAM: a reboot loses it, as drift windows are droppable.
    /// </summary>
    public sealed class DriftMonitor
    {
        private readonly DriftProfile _reference;
        private readonly HistogramLayout _layout;
        private readonly Random _noise;
        private readonly uint[] _input;
        private readonly uint[] _classes;
        private readonly uint[] _confidence;
        private readonly DriftScores _scores = new DriftScores();
        private readonly sbyte[] _pixelToInput = new sbyte[256];
        private readonly long _windowMillis;
        private readonly uint _minCount;
        private readonly uint _fullCount;
        private readonly uint _rescoreEvery;
        private readonly float _epsilon;
        private bool _hasPixelTable;
        private uint _count;
        private uint _scoredCount;
        private long _startMillis = -1;
        private bool _currentAlarm;
        private bool _lastAlarm;

        /// <param name="reference">The serving model's reference histograms.</param>
        /// <param name="inputH">The model input's height, width and channels (the profile's groups are checked against them).</param>
        /// <param name="noise">Source of the Laplace noise; seeded in tests.</param>
        /// <exception cref="ArgumentException">The profile does not fit the input or an option is out of range.</exception>
        public DriftMonitor(DriftProfile reference, int inputH, int inputW, int inputC, DriftOptions options, Random noise)
        {
            if (reference == null || options == null || noise == null)
            {
                throw new ArgumentNullException(reference == null ? "reference" : (options == null ? "options" : "noise"));
            }

            if (options.WindowSeconds < 1 || options.MinCount < 1 || !(options.Epsilon >= 0) || float.IsInfinity(options.Epsilon) || options.AlarmPsiMilli < 0 || options.AlarmPsiMilli > 0xFFFF)
            {
                throw new ArgumentException("drift options: window and minimum count at least 1, epsilon finite and not negative, alarm 0..65535");
            }

            _reference = reference;
            _layout = HistogramLayout.ForProfile(reference, inputH, inputW, inputC);
            if (reference.InputCounts == null || reference.InputCounts.Length != _layout.InputCells || reference.ClassCounts == null
                || reference.ClassCounts.Length != reference.Classes || reference.ConfidenceCounts == null || reference.ConfidenceCounts.Length != reference.ConfidenceBins)
            {
                throw new ArgumentException("drift profile counts do not match its layout");
            }

            if (_layout.InputCells > DriftPayload.MaxInputCells)
            {
                throw new ArgumentException("drift profile has " + _layout.InputCells + " input bins, a window carries at most " + DriftPayload.MaxInputCells);
            }

            _noise = noise;
            _input = new uint[_layout.InputCells];
            _classes = new uint[_layout.Classes];
            _confidence = new uint[_layout.ConfidenceBins];
            _windowMillis = options.WindowSeconds * 1000L;
            _minCount = (uint)options.MinCount;
            _epsilon = options.Epsilon;
            AlarmPsiMilli = options.AlarmPsiMilli > 0 ? options.AlarmPsiMilli : reference.AlarmPsiMilli;

            // A window also ends (once it has the minimum) before one more sample could push a count past the wire's u16:
            // a sample adds one count per input group (one element drawn from it, see HistogramLayout.AddSampledPixels).
            uint full = (uint)DriftPayload.MaxCount;
            _fullCount = full > _minCount ? full : _minCount;
            _layout.PrepareSampling();

            // The alarm is rescored about ten times per minimum count, not on every poll.
            _rescoreEvery = _minCount / 10 > 0 ? _minCount / 10 : 1;
        }

        /// <summary>A monitor for a model's own profile, with its input quantization for <see cref="ObservePixels"/>; null when the model has no profile.</summary>
        public static DriftMonitor ForModel(Int8Model model, DriftOptions options, Random noise)
        {
            if (model.DriftProfile == null)
            {
                return null;
            }

            DriftMonitor monitor = new DriftMonitor(model.DriftProfile, model.InputH, model.InputW, model.InputC, options, noise);
            monitor.VariantId = model.VariantId;
            monitor.SetInputQuantization(model.InputScale, model.InputZeroPoint);
            return monitor;
        }

        /// <summary>The variant the windows are about; its windows are reported under it (null: the serving variant).</summary>
        public string VariantId { get; set; }

        public DriftProfile Reference
        {
            get { return _reference; }
        }

        /// <summary>The alarm threshold in use: PSI times 1000.</summary>
        public int AlarmPsiMilli { get; private set; }

        /// <summary>Samples in the current window.</summary>
        public uint Count
        {
            get { return _count; }
        }

        /// <summary>Scores of the last scoring (the current window once it had the minimum count, or the last finished one).</summary>
        public DriftScores Scores
        {
            get { return _scores; }
        }

        /// <summary>
        /// PSI (the worst input group, the class or the confidence histogram) over the threshold in the last finished
        /// window, or in the current one once it has the minimum count.
        /// </summary>
        public bool Alarm
        {
            get { return _lastAlarm || _currentAlarm; }
        }

        /// <summary>Quantization of raw 8-bit input values, as the interpreter's SetInputFromBytes does it.</summary>
        public void SetInputQuantization(float scale, int zeroPoint)
        {
            QuantMath.FillPixelTable(_pixelToInput, scale, zeroPoint);
            _hasPixelTable = true;
        }

        /// <summary>One inference: its quantized input (H * W * C values), predicted class and top-1 confidence in 1/65535.</summary>
        public void Observe(sbyte[] input, int offset, int length, int predictedClass, int confidence)
        {
            CheckClass(predictedClass);
            _layout.AddSampledInput(_input, input, offset, length, _noise);
            _layout.AddOutcome(_classes, _confidence, predictedClass, confidence);
            _count++;
        }

        /// <summary>
        /// One inference on raw 8-bit values (the bytes given to <see cref="Classifier.Classify"/>), quantized like the
        /// interpreter does; needs <see cref="SetInputQuantization"/> (done by <see cref="ForModel"/>).
        /// </summary>
        public void ObservePixels(byte[] raw, int offset, int predictedClass, int confidence)
        {
            if (!_hasPixelTable)
            {
                throw new InvalidOperationException("drift monitor: no input quantization set");
            }

            CheckClass(predictedClass);
            _layout.AddSampledPixels(_input, raw, offset, _pixelToInput, _noise);
            _layout.AddOutcome(_classes, _confidence, predictedClass, confidence);
            _count++;
        }

        /// <summary>
        /// The finished window, or null. A window finishes when it has lasted its length (or is about to saturate a count)
        /// and has at least the minimum count; until then it keeps accumulating. Also rescores the current window for
        /// the alarm. The first call starts the first window.
        /// </summary>
        public DriftPayload TakeWindow(long uptimeMillis, string variantId)
        {
            if (_startMillis < 0)
            {
                _startMillis = uptimeMillis;
            }

            if (_count < _minCount)
            {
                return null;
            }

            bool finished = uptimeMillis - _startMillis >= _windowMillis || _count >= _fullCount;
            if (finished ? _count != _scoredCount : _count - _scoredCount >= _rescoreEvery || _scoredCount < _minCount)
            {
                Score();
            }

            if (!finished)
            {
                return null;
            }

            DriftPayload p = new DriftPayload();
            p.VariantId = variantId == null ? string.Empty : variantId;
            p.StartUptimeSeconds = (uint)(_startMillis / 1000);
            p.WindowSeconds = (uint)((uptimeMillis - _startMillis) / 1000);
            p.SampleCount = _count;
            p.Epsilon = _epsilon;
            if (_epsilon > 0)
            {
                // With noise on, only the noised histograms leave the device: scores and the alarm bit are computed on
                // the raw window and would bypass the noise (the alarm still shows on the device's own LED).
                p.Flags = 0;
            }
            else
            {
                p.Flags = _currentAlarm ? DriftPayload.FlagAlarm : 0;
                p.SetScores(_scores);
            }
            p.InputBins = _layout.InputBins;
            p.Groups = _layout.Groups;
            p.InputCounts = Release(_input);
            p.ClassCounts = Release(_classes);
            p.ConfidenceCounts = Release(_confidence);
            _lastAlarm = _currentAlarm;
            _currentAlarm = false;
            _count = 0;
            _scoredCount = 0;
            _startMillis = uptimeMillis;
            return p;
        }

        private void Score()
        {
            _scores.Compute(_input, _classes, _confidence, _reference);
            _currentAlarm = _scores.MaxPsi * 1000 > AlarmPsiMilli;
            _scoredCount = _count;
        }

        /// <summary>Copies counts out (noised when epsilon is above 0, saturated at the wire's u16) and clears them.</summary>
        private uint[] Release(uint[] counts)
        {
            uint[] sent = new uint[counts.Length];
            double scale = _epsilon > 0 ? DriftMath.NoiseScale(_layout.Groups, _epsilon) : 0;
            for (int i = 0; i < counts.Length; i++)
            {
                sent[i] = scale > 0 ? DriftMath.Noised(counts[i], DriftMath.Laplace(_noise.NextDouble(), scale), DriftPayload.MaxCount)
                    : (counts[i] > DriftPayload.MaxCount ? DriftPayload.MaxCount : counts[i]);
                counts[i] = 0;
            }

            return sent;
        }

        private void CheckClass(int predictedClass)
        {
            if (predictedClass < 0 || predictedClass >= _layout.Classes)
            {
                throw new ArgumentOutOfRangeException("predictedClass", "class " + predictedClass + " outside 0.." + (_layout.Classes - 1));
            }
        }
    }
}
