using Microsoft.Extensions.Logging;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// One simulated board: the real device core composed as on a board (<see cref="DeviceRuntime"/>: agent, outbox,
/// classifier, drift monitor, metered inference) with the host's adapters (MQTTnet, a folder as flash), a battery, a
/// connectivity pattern, reboots and a sensor, all driven in simulated time by <see cref="Step"/>.
/// </summary>
public sealed class VirtualBoard : IDisposable
{
    private readonly VirtualBoardOptions _options;
    private readonly SimClock _clock;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly ISensor? _sensor;
    private readonly byte[]? _artifactKey;
    private readonly FailingVariants _faults;
    private readonly SimInferenceTimer _timer;
    private readonly TinyMLOps.Modelling.Boards.BoardProfile? _profile;
    private DeviceRuntime _runtime;
    private byte[] _sample;
    private byte[] _scratch = [];
    private short[] _samples = [];
    private int _sampleLoads = -1;
    private double _inferenceCredit;
    private long _bootMillis;
    private bool _shifted;

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
        _faults = new FailingVariants(options.FailingVariants);

        // Its own random source, so simulated latency leaves the board's other draws as they were.
        TinyMLOps.Modelling.Boards.BoardCatalog.Default.TryGet(options.Board, out _profile);
        _timer = new SimInferenceTimer(_profile, new Random(options.Seed ^ 0x5EED7E1));
        Transport = new MqttNetTransport(brokerHost, brokerPort, options.DeviceId);

        // No link until the first step asks the connectivity pattern (a board can start inside an outage).
        Transport.LinkUp = false;
        Link = new SimLink(Transport) { IsMetered = options.MeteredLink };
        Storage = new DirectoryStorage(Path.Combine(storageRoot, options.DeviceId));
        Battery = new SimBattery(options.HasBattery, options.BatteryPercent, options.DrainPerHour, options.ChargePerHour);
        _sensor = sensor;
        _sample = [];
        _runtime = Boot(model);
    }

    public string DeviceId => _options.DeviceId;

    public VirtualBoardOptions Options => _options;

    /// <summary>The device core's parts: sync agent, outbox, variants, meter, learning, consent.</summary>
    public DeviceComposition Device => _runtime.Device;

    public MqttNetTransport Transport { get; }

    /// <summary>The board's link; set <see cref="SimLink.IsMetered"/> to move it between Wi-Fi and a metered modem.</summary>
    public SimLink Link { get; }

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
    public string? RunningVariantId => _runtime.Classifier?.VariantId;

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
        _runtime.Poll();
    }

    /// <summary>Restarts the device core on the same flash, as after a watchdog reset.</summary>
    public void Reboot()
    {
        Transport.Disconnect();
        Transport.ClearReceived();
        Reboots++;

        // The model that ran before comes back at once; the variant manager's serving model replaces it at the first poll.
        _runtime = Boot(_runtime.Model);
    }

    public void Dispose() => Transport.Dispose();

    private DeviceRuntime Boot(byte[]? model)
    {
        _bootMillis = _clock.Millis;
        var driftOptions = new DriftOptions { WindowSeconds = _options.DriftWindowSeconds };
        if (_options.DriftEpsilon is { } epsilon)
        {
            driftOptions.Epsilon = (float)epsilon;
        }

        var config = new DeviceConfig
        {
            DeviceId = _options.DeviceId,
            Fleet = _options.Fleet,
            Board = _options.Board,
            FirmwareVersion = _options.FirmwareVersion,

            // The kernels of the firmware this board simulates (its profile's nativeKernels), as its hello reports them and
            // as its simulated latency assumes; the host computes the same bytes with whatever backend it installed.
            KernelBackend = _profile is { NativeKernels: true } ? "native" : "managed",
            HeartbeatIntervalSeconds = _options.HeartbeatIntervalSeconds,
            OutboxCapacityBytes = _options.OutboxCapacityBytes,
            ArtifactKey = _artifactKey,
            ArtifactCipher = TinyMLOps.Fleet.Security.DotNetAesBlockCipher.Instance,
            HealthWindowSeconds = _options.HealthWindowSeconds,
            Drift = driftOptions,
            Learning = new LearningOptions { FeatureLayers = _options.FeatureLayers, SampleCapacity = _options.SampleCapacity, PoisonFactor = _options.PoisonUpdates ? -10f : 1f },
        };
        var problems = new System.Collections.ArrayList();
        config.ConsentSettings = UploadConsent.Parse(_options.Consent, [UploadConsent.On, UploadConsent.On, UploadConsent.On], "consent", problems)
            ?? throw new ArgumentException(string.Join("; ", problems.Cast<string>()), nameof(_options.Consent));
        var feedback = _artifactKey is { Length: > 0 } && _options.FeedbackRate > 0 && _sensor is ILabelledSensor labelled ? new VirtualBoardFeedback(labelled, _options.FeedbackRate) : null;
        var ports = new DevicePorts
        {
            Transport = Transport,
            Storage = Storage,
            Clock = _clock.ForBoard(() => _bootMillis),
            Power = Battery,
            Log = new LoggerLog(_logger, _options.DeviceId),
            Network = Link,
            Memory = SimMemoryInfo.For(_options.Board, Storage),
            Timer = _timer,
            Feedback = feedback,
            Faults = _faults,

            // A simulation repeats from its seed; a board draws this noise from its hardware generator.
            Noise = new Random(_random.Next()),
        };
        var runtime = new DeviceRuntime(config, ports, _random, model);

        // Drawn after the runtime's own draws, as always, so the board's random sequence stays the same.
        feedback?.Seed(_random.Next());
        return runtime;
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

        var classifier = _runtime.Classifier;
        if (shift.IsCovariate && classifier != null && _samples.Length > 0)
        {
            CovariateShift.ApplySamples(shift, _samples, _random);
        }
        else if (shift.IsCovariate && classifier != null)
        {
            var model = classifier.Interpreter.Model;
            if (model.FrontEnd is TinyMLOps.Shared.Preprocessing.ImageFrontEnd frame)
            {
                CovariateShift.Apply(shift, _sample, frame.SrcH, frame.SrcW, frame.SrcC, _random, _scratch);
            }
            else
            {
                CovariateShift.Apply(shift, _sample, model.InputH, model.InputW, model.InputC, _random, _scratch);
            }
        }
    }

    private void RunInferences(TimeSpan step)
    {
        if (!_runtime.HasModel || _sensor == null)
        {
            return;
        }

        if (_sampleLoads != _runtime.Loads)
        {
            _sampleLoads = _runtime.Loads;
            _timer.UseModel(_runtime.Model);
            _sample = new byte[_runtime.PixelLength];
            _scratch = new byte[_runtime.PixelLength];
            _samples = new short[_runtime.FrontEndSamples];
        }

        _inferenceCredit += _options.InferencesPerMinute * step.TotalMinutes;
        while (_inferenceCredit >= 1)
        {
            _inferenceCredit -= 1;
            // A model with a front-end takes raw signals from a signal sensor, as on the device (DeviceLoop).
            bool signals = _samples.Length > 0;
            if (signals ? !(_sensor is ISignalSensor s && s.ReadSamples(_samples)) : !_sensor.Read(_sample))
            {
                break;
            }

            ApplyShift();

            // Metered like the firmware app: the runtime's meter reserves the count before the model runs.
            switch (signals ? _runtime.InferSamples(_samples) : _runtime.Infer(_sample))
            {
                case InferenceOutcome.Free:
                    FreeInferences++;
                    break;
                case InferenceOutcome.Refused:
                    MeterRefusals++;
                    break;
                case InferenceOutcome.Ran:
                case InferenceOutcome.Failed:
                    Inferences++;
                    break;
            }
        }
    }

    /// <summary>The options' failing variants as the runtime's fault injection.</summary>
    private sealed class FailingVariants(IReadOnlyCollection<string> variants) : IInferenceFault
    {
        public bool Fails(string variantId) => variants.Contains(variantId);
    }
}
