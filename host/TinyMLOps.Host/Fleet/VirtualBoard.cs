using Microsoft.Extensions.Logging;
using TinyMLOps.Firmware.Core;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;

namespace TinyMLOps.Host.Fleet;

/// <summary>
/// One simulated board: the real device core (<see cref="DeviceAgent"/>, outbox, classifier) with the
/// host's adapters (MQTTnet, a folder as flash), a battery, a connectivity pattern, reboots and a sensor,
/// all driven in simulated time by <see cref="Step"/>.
/// </summary>
public sealed class VirtualBoard : IDisposable
{
    private readonly VirtualBoardOptions _options;
    private readonly SimClock _clock;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly ISensor? _sensor;
    private readonly byte[]? _artifactKey;
    private Classifier? _classifier;
    private byte[] _sample;
    private int _modelChanges = -1;
    private double _inferenceCredit;
    private long _bootMillis;
    private bool _shifted;
    private byte[] _scratch = [];
    private sbyte[]? _features;

    // A board's sync loop blocks on its MQTT calls like the device does, on pool threads stepped in
    // parallel; the async I/O under them needs free pool threads, which the pool would add only slowly.
    static VirtualBoard()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 96), Math.Max(io, 96));
    }

    /// <param name="artifactKey">The device's artifact key: with one, the board takes variant assignments and runs the model of its power role.</param>
    public VirtualBoard(VirtualBoardOptions options, string brokerHost, int brokerPort, string storageRoot, SimClock clock, ILogger logger, byte[]? model = null, ISensor? sensor = null, byte[]? artifactKey = null)
    {
        _options = options;
        _artifactKey = artifactKey;
        _clock = clock;
        _logger = logger;
        _random = new Random(options.Seed);
        Transport = new MqttNetTransport(brokerHost, brokerPort, options.DeviceId);

        // No link until the first step asks the connectivity pattern (a board can start inside an outage).
        Transport.LinkUp = false;
        Storage = new DirectoryStorage(Path.Combine(storageRoot, options.DeviceId));
        Battery = new SimBattery(options.HasBattery, options.BatteryPercent, options.DrainPerHour, options.ChargePerHour);
        _sensor = sensor;
        _sample = [];
        if (model != null)
        {
            Load(model);
        }

        Agent = Boot();
    }

    public string DeviceId => _options.DeviceId;

    public VirtualBoardOptions Options => _options;

    public DeviceAgent Agent { get; private set; }

    public MqttNetTransport Transport { get; }

    public DirectoryStorage Storage { get; }

    public SimBattery Battery { get; }

    public int Reboots { get; private set; }

    public long Inferences { get; private set; }

    /// <summary>Inferences the meter refused (no token, or the allowance used up under the refuse policy).</summary>
    public long MeterRefusals { get; private set; }

    /// <summary>Inferences run on the free variant after the allowance ran out (fallback policy); never counted.</summary>
    public long FreeInferences { get; private set; }

    public bool Online { get; private set; }

    /// <summary>The variant id of the model the classifier runs, or null without one.</summary>
    public string? RunningVariantId => _classifier?.VariantId;

    /// <summary>Advances this board by one step of simulated time, then runs one pass of its sync loop.</summary>
    public void Step(TimeSpan step)
    {
        var now = TimeSpan.FromMilliseconds(_clock.Millis);
        Battery.PluggedIn = !_options.HasBattery || (now.TotalHours % 24) < _options.PluggedHoursPerDay;
        Battery.Advance(step);

        if (_options.RebootsPerHour > 0 && _random.NextDouble() < _options.RebootsPerHour * step.TotalHours)
        {
            Reboot();
        }

        bool online = _options.Connectivity.IsOnline(now);
        if (online != Online)
        {
            Online = online;
            Transport.LinkUp = online;
        }

        RunInferences(step);
        Agent.Poll();
        ReloadOnVariantChange();
    }

    /// <summary>Restarts the device core on the same flash, as after a watchdog reset.</summary>
    public void Reboot()
    {
        Transport.Disconnect();
        Transport.ClearReceived();
        Reboots++;
        Agent = Boot();
    }

    public void Dispose() => Transport.Dispose();

    private DeviceAgent Boot()
    {
        _bootMillis = _clock.Millis;
        var config = new DeviceConfig
        {
            DeviceId = _options.DeviceId,
            Fleet = _options.Fleet,
            Board = _options.Board,
            FirmwareVersion = _options.FirmwareVersion,
            ModelId = _classifier?.ModelId ?? "",
            HeartbeatIntervalSeconds = _options.HeartbeatIntervalSeconds,
            OutboxCapacityBytes = _options.OutboxCapacityBytes,
            ArtifactKey = _artifactKey,
            HealthWindowSeconds = _options.HealthWindowSeconds,
            Learning = new LearningOptions { FeatureLayers = _options.FeatureLayers, SampleCapacity = _options.SampleCapacity },
        };
        _modelChanges = -1;
        var agent = new DeviceAgent(config, Transport, Storage, _clock.ForBoard(() => _bootMillis), Battery, new LoggerLog(_logger, _options.DeviceId), new Random(_random.Next()));
        agent.Memory = SimMemoryInfo.For(_options.Board, Storage);
        agent.Drift = NewDriftMonitor(); // the window lives in RAM: a reboot starts a new one
        if (agent.Learning != null)
        {
            agent.Learning.PoisonFactor = _options.PoisonUpdates ? -10f : 1f;
            if (_options.FeedbackRate > 0 && _sensor is DatasetSensor dataset)
            {
                agent.Feedback = new VirtualBoardFeedback(dataset, _options.FeedbackRate, new Random(_random.Next()));
            }
        }

        BindLearning(agent);
        return agent;
    }

    /// <summary>Loads the verified model of the selected role after an install or a role switch (and after boot).</summary>
    private void ReloadOnVariantChange()
    {
        var variants = Agent.Variants;
        if (variants == null || variants.ModelChanges == _modelChanges)
        {
            return;
        }

        _modelChanges = variants.ModelChanges;
        byte[]? model = variants.ReadServingModel();
        if (model != null)
        {
            Load(model);
        }
    }

    private void Load(byte[] model)
    {
        _classifier = new Classifier(model);
        _sample = new byte[_classifier.InputLength];
        _scratch = new byte[_classifier.InputLength];
        if (Agent != null)
        {
            Agent.Drift = NewDriftMonitor();
            BindLearning(Agent);
        }
    }

    /// <summary>
    /// Points the classifier's feature tap at the loaded model's head and binds the samples to it, on a board that gets
    /// feedback; a board without feedback keeps no samples (it refuses rounds for lack of them).
    /// </summary>
    private void BindLearning(DeviceAgent agent)
    {
        _features = null;
        if (_classifier == null)
        {
            return;
        }

        _classifier.SetFeatureTap(0, null);
        if (agent.Learning == null || agent.Feedback == null)
        {
            return;
        }

        var head = agent.Learning.UseModel(_classifier.Interpreter.Model);
        if (head != null)
        {
            _features = new sbyte[head.FeatureLength];
            _classifier.SetFeatureTap(head.FirstOperator, _features);
        }
    }

    /// <summary>The drift monitor of the loaded model, when its file carries a reference profile.</summary>
    private DriftMonitor? NewDriftMonitor()
    {
        if (_classifier == null)
        {
            return null;
        }

        var options = new DriftOptions { WindowSeconds = _options.DriftWindowSeconds };
        if (_options.DriftEpsilon is { } epsilon)
        {
            options.Epsilon = (float)epsilon;
        }

        return DriftMonitor.ForModel(_classifier.Interpreter.Model, options, new Random(_random.Next()));
    }

    /// <summary>Drift injection: from the shift's time on, a label shift skews the sensor's classes and a covariate shift alters each sample.</summary>
    private void ApplyShift()
    {
        if (_options.Shift is not { } shift || _clock.Millis < (long)shift.At.TotalMilliseconds)
        {
            return;
        }

        if (!_shifted)
        {
            _shifted = true;
            if (shift.ClassWeights != null && _sensor is DatasetSensor dataset)
            {
                dataset.SkewClasses(shift.ClassWeights, new Random(_options.Seed));
            }
        }

        if (shift.IsCovariate && _classifier != null)
        {
            var model = _classifier.Interpreter.Model;
            CovariateShift.Apply(shift, _sample, model.InputH, model.InputW, model.InputC, _random, _scratch);
        }
    }

    private void RunInferences(TimeSpan step)
    {
        if (_classifier == null || _sensor == null)
        {
            return;
        }

        _inferenceCredit += _options.InferencesPerMinute * step.TotalMinutes;
        while (_inferenceCredit >= 1)
        {
            _inferenceCredit -= 1;
            if (!_sensor.Read(_sample))
            {
                break;
            }

            ApplyShift();

            // Metered like the firmware app: the meter reserves the count before the model runs.
            var meter = Agent.Meter;
            string modelId = _classifier.ModelId ?? string.Empty;
            string variantId = _classifier.VariantId ?? modelId;
            uint now = (uint)_clock.Now.ToUnixTimeSeconds();
            if (meter != null && modelId.Length > 0)
            {
                int decision = meter.Decide(modelId, variantId, now);
                if (decision == MeterDecision.UseFreeVariant)
                {
                    // A virtual board has one model: its free variant is that model, run and not counted.
                    FreeInferences++;
                    _classifier.Classify(_sample, 0);
                    continue;
                }

                if (!MeterDecision.Runs(decision))
                {
                    MeterRefusals++;
                    continue;
                }
            }

            Inferences++;
            Agent.Inferences++;
            if (_options.FailingVariants.Contains(variantId))
            {
                Agent.ObserveError(variantId);
            }
            else
            {
                int predicted = _classifier.Classify(_sample, 0);
                int confidence = _classifier.TopConfidence();
                Agent.ObserveInference(variantId, confidence);
                Agent.Drift?.ObservePixels(_sample, 0, predicted, confidence);
                if (_features != null)
                {
                    Agent.ObserveFeedback(_features);
                }
            }

            if (meter != null && modelId.Length > 0)
            {
                meter.Count(modelId, variantId, now);
            }
        }
    }
}
