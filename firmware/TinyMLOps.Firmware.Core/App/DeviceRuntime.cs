using System;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// One boot of the device: its parts (<see cref="DeviceComposition"/>), the classifier of the serving model, its
    /// drift monitor, query signals and feature tap, and metered inference, built the same way on a board (Program.Main
    /// through <see cref="DeviceLoop"/>) and on a virtual board of the fleet simulator. The caller brings the sample (a
    /// sensor read, or a data set row with simulated drift) and paces the calls.
    /// </summary>
    public sealed class DeviceRuntime
    {
        private readonly DeviceConfig _config;
        private readonly ITransport _transport;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly IInferenceFault _faults;
        private readonly Random _noise;
        private byte[] _processedBytes;
        private Classifier _classifier;
        private NoveltyScorer _novelty;
        private NearDuplicates _duplicates;
        private byte[] _model;
        private sbyte[] _features;
        private int _modelChanges = -1;

        /// <param name="config">The device's configuration; its model id follows the loaded model.</param>
        /// <param name="ports">The platform adapters, handed to the parts that need them.</param>
        /// <param name="random">Seeds the agent's backoff (one draw). The drift noise comes from <see cref="DevicePorts.Noise"/>, never from this.</param>
        /// <param name="model">A model to run until the variant manager has a serving one (the virtual fleet's preloaded model); null for none.</param>
        public DeviceRuntime(DeviceConfig config, DevicePorts ports, Random random, byte[] model)
        {
            _config = config;
            _transport = ports.Transport;
            _clock = ports.Clock;
            _log = ports.Log;
            _faults = ports.Faults;
            _noise = ports.Noise != null ? ports.Noise : new Random();
            LastClass = -1;
            if (model != null)
            {
                UseClassifier(new Classifier(model), model);
            }

            Device = new DeviceComposition(config, ports, new Random(random.Next()));

            // The drift window lives in RAM: a reboot starts a new one.
            Device.Drift.Monitor = NewDriftMonitor();
            NewQuerySignals();
            BindLearning();
        }

        /// <summary>The device's parts: sync agent, outbox, variants, meter, learning, health, drift, telemetry, consent.</summary>
        public DeviceComposition Device { get; private set; }

        /// <summary>The classifier of the model that runs now, or null.</summary>
        public Classifier Classifier
        {
            get { return _classifier; }
        }

        /// <summary>The file of the model that runs now, or null.</summary>
        public byte[] Model
        {
            get { return _model; }
        }

        public bool HasModel
        {
            get { return _classifier != null; }
        }

        /// <summary>Values one sample has for the loaded model; 0 without one.</summary>
        public int InputLength
        {
            get { return _classifier == null ? 0 : _classifier.InputLength; }
        }

        /// <summary>Bytes <see cref="Infer"/> takes per sample: the model input's values, or the image front-end's camera frame.</summary>
        public int PixelLength
        {
            get { return _classifier == null ? 0 : _classifier.PixelLength; }
        }

        public int ClassCount
        {
            get { return _classifier == null ? 0 : _classifier.ClassCount; }
        }

        /// <summary>The class of the last inference that ran, or -1.</summary>
        public int LastClass { get; private set; }

        /// <summary>Models loaded since this boot (the preloaded one counts); a sample buffer sized for the old one must be remade when it changes.</summary>
        public int Loads { get; private set; }

        /// <summary>One pass of the sync loop, then loads the serving model when an install, rollback or role switch changed it.</summary>
        public void Poll()
        {
            Device.Poll();
            ReloadOnVariantChange();
        }

        /// <summary>
        /// One metered inference of a raw sample (InputLength values): the meter decides before the model runs; the result
        /// goes to the model-health window, the drift monitor and, with feedback, the learning samples.
        /// </summary>
        public InferenceOutcome Infer(byte[] sample)
        {
            return InferCore(sample, null, null);
        }

        /// <summary>
        /// <see cref="Infer"/> for raw int16 samples (audio, accelerometer counts) that the model's front-end turns into
        /// its input; the drift monitor and the query signals see that input.
        /// </summary>
        public InferenceOutcome InferSamples(short[] samples)
        {
            return InferCore(null, samples, null);
        }

        /// <summary><see cref="Infer"/> for raw float values (a table row, a sensor frame) that the model's front-end scales.</summary>
        public InferenceOutcome InferValues(float[] values)
        {
            return InferCore(null, null, values);
        }

        /// <summary>Raw int16 samples the loaded model's front-end takes per inference (audio, accelerometer windows); 0 without one.</summary>
        public int FrontEndSamples
        {
            get
            {
                Classifier c = _classifier;
                return c == null || c.FrontEnd == null ? 0 : c.FrontEnd.RawSamples;
            }
        }

        /// <summary>Raw float values the loaded model's front-end takes per inference (a table row); 0 without one.</summary>
        public int FrontEndValues
        {
            get
            {
                Classifier c = _classifier;
                return c == null || c.FrontEnd == null ? 0 : c.FrontEnd.RawValues;
            }
        }

        private int Classify(Classifier classifier, byte[] bytes, short[] samples, float[] values)
        {
            if (bytes != null)
            {
                return classifier.Classify(bytes, 0);
            }

            return samples != null ? classifier.ClassifySamples(samples, 0) : classifier.ClassifyValues(values, 0);
        }

        private InferenceOutcome InferCore(byte[] sample, short[] samples, float[] values)
        {
            Classifier classifier = _classifier;
            if (classifier == null)
            {
                return InferenceOutcome.NoModel;
            }

            DeviceMeter meter = Device.Meter;
            string modelId = classifier.ModelId == null ? string.Empty : classifier.ModelId;
            string variantId = classifier.VariantId == null ? modelId : classifier.VariantId;
            uint now = _clock.UnixSeconds;
            bool metered = meter != null && modelId.Length > 0;
            if (metered)
            {
                MeterDecision decision = meter.Decide(modelId, variantId, now);
                if (decision == MeterDecision.UseFreeVariant)
                {
                    // One model on the device: its free variant is that model, run and not counted.
                    LastClass = Classify(classifier, sample, samples, values);
                    return InferenceOutcome.Free;
                }

                if (!MeterDecisions.Runs(decision))
                {
                    return InferenceOutcome.Refused;
                }
            }

            Device.Activity.Count();
            InferenceOutcome outcome;
            int signals = QuerySignalFlags.None;
            if (_faults != null && _faults.Fails(variantId))
            {
                Device.ObserveError(variantId);
                outcome = InferenceOutcome.Failed;
            }
            else
            {
                Device.Telemetry.Begin();
                int predicted = Classify(classifier, sample, samples, values);
                Device.Telemetry.End(variantId, classifier);
                int confidence = classifier.TopConfidence();
                Device.ObserveInference(variantId, confidence);
                DriftMonitor drift = Device.Drift.Monitor;
                // Pixels go to the monitor as they are, unless a front-end made the input from a larger frame.
                bool direct = sample != null && classifier.FrontEnd == null;
                if (drift != null && direct)
                {
                    drift.ObservePixels(sample, 0, predicted, confidence);
                }
                else if (drift != null)
                {
                    drift.Observe(classifier.ProcessedInput, 0, classifier.InputLength, predicted, confidence);
                }

                if (_features != null)
                {
                    Device.ObserveFeedback(_features);
                }

                if (metered)
                {
                    signals = QuerySignals(meter, direct ? sample : ProcessedBytes(classifier), confidence);
                }

                LastClass = predicted;
                outcome = InferenceOutcome.Ran;
            }

            if (metered)
            {
                meter.Count(modelId, variantId, now, signals);
            }

            return outcome;
        }

        /// <summary>The extraction signals of one inference that ran (<see cref="QuerySignalFlags"/>); none when the meter measures none.</summary>

        /// <summary>The front-end's int8 input as offset bytes (q + 128), for the query signals, which fingerprint bytes.</summary>
        private byte[] ProcessedBytes(Classifier classifier)
        {
            sbyte[] input = classifier.ProcessedInput;
            if (_processedBytes == null || _processedBytes.Length != input.Length)
            {
                _processedBytes = new byte[input.Length];
            }

            for (int i = 0; i < input.Length; i++)
            {
                _processedBytes[i] = (byte)(input[i] + 128);
            }

            return _processedBytes;
        }

        private int QuerySignals(DeviceMeter meter, byte[] sample, int confidence)
        {
            QuerySignalOptions options = meter.Options.Signals;
            if (meter.Pattern == null || options == null)
            {
                return QuerySignalFlags.None;
            }

            int signals = QuerySignalFlags.Observed;
            if (confidence < options.LowConfidence)
            {
                signals |= QuerySignalFlags.LowConfidence;
            }

            if (_novelty != null && _novelty.IsNovel(sample, 0))
            {
                signals |= QuerySignalFlags.OutOfDistribution;
            }

            if (_duplicates == null)
            {
                _duplicates = new NearDuplicates(options.DuplicateRing, options.FingerprintSlices, options.FingerprintLevels);
            }

            int length = _classifier.InputLength;
            if (length >= options.FingerprintSlices && _duplicates.Observe(sample, 0, length))
            {
                signals |= QuerySignalFlags.NearDuplicate;
            }

            return signals;
        }

        /// <summary>Before a deep sleep: closes the MQTT session (the broker keeps the downlink for the next wake-up).</summary>
        public void PrepareForSleep()
        {
            _transport.Disconnect();
        }

        /// <summary>Loads the verified model of the selected role after an install or a role switch (and after boot).</summary>
        private void ReloadOnVariantChange()
        {
            VariantManager variants = Device.Variants;
            if (variants == null || variants.ModelChanges == _modelChanges)
            {
                return;
            }

            _modelChanges = variants.ModelChanges;
            byte[] model = variants.ReadServingModel();
            if (model == null)
            {
                return;
            }

            Classifier classifier;
            try
            {
                classifier = new Classifier(model);
            }
            catch (Exception e)
            {
                // Verified but not runnable here (an operator this firmware lacks, not enough memory): back to the kept variant.
                _log.Error("serving model does not load: " + e.Message);
                Device.ObserveError(variants.ServingVariantId);
                variants.ReportLoadFailure();
                return;
            }

            UseClassifier(classifier, model);
            Device.Drift.Monitor = NewDriftMonitor();
            NewQuerySignals();
            BindLearning();
        }

        private void UseClassifier(Classifier classifier, byte[] model)
        {
            _classifier = classifier;
            _model = model;
            LastClass = -1;
            Loads++;
            if (classifier.ModelId != null && classifier.ModelId.Length > 0)
            {
                _config.ModelId = classifier.ModelId;
            }
        }

        /// <summary>The novelty scorer of the loaded model (when it has a reference profile) and an empty duplicate ring.</summary>
        private void NewQuerySignals()
        {
            _duplicates = null;
            _novelty = null;
            DeviceMeter meter = Device.Meter;
            if (_classifier == null || meter == null || meter.Pattern == null || meter.Options.Signals == null)
            {
                return;
            }

            _novelty = NoveltyScorer.ForModel(_classifier.Interpreter.Model, meter.Options.Signals.NoveltyMarginNats);
        }

        /// <summary>The drift monitor of the loaded model, when its file carries a reference profile.</summary>
        private DriftMonitor NewDriftMonitor()
        {
            if (_classifier == null)
            {
                return null;
            }

            return DriftMonitor.ForModel(_classifier.Interpreter.Model, _config.Drift, _noise);
        }

        /// <summary>
        /// Points the classifier's feature tap at the loaded model's head and binds the samples to it, on a device that
        /// gets feedback; a device without feedback keeps no samples.
        /// </summary>
        private void BindLearning()
        {
            _features = null;
            if (_classifier == null)
            {
                return;
            }

            _classifier.SetFeatureTap(0, null);
            FederatedClient learning = Device.Learning;
            if (learning == null || !Device.HasFeedback)
            {
                return;
            }

            TrainableHead head = learning.UseModel(_classifier.Interpreter.Model);
            if (head != null)
            {
                _features = new sbyte[head.FeatureLength];
                _classifier.SetFeatureTap(head.FirstOperator, _features);
            }
        }
    }
}
