using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Firmware.Tests.App;

public class DeviceRuntimeTests
{
    private static (DeviceRuntime Runtime, DeviceConfig Config) Runtime(byte[]? model, IInferenceFault? faults = null, Random? noise = null)
    {
        var config = new DeviceConfig { DeviceId = "dev-1", Fleet = "lab", Board = "esp32-devkitc", FirmwareVersion = "0.4.0" };
        var ports = new DevicePorts
        {
            Transport = new LoopbackTransport(new FakeHost("lab", "dev-1"), new Random(1)),
            Storage = new MemoryStorage(),
            Clock = new FakeClock(),
            Power = new FakePower(),
            Log = new ListLog(),
            Faults = faults,
            Noise = noise,
        };
        return (new DeviceRuntime(config, ports, new Random(2), model), config);
    }

    [Fact]
    public void A_preloaded_model_classifies_counts_and_names_the_device_model()
    {
        var (runtime, config) = Runtime(TestModels.Build("v1", 1));

        var outcome = runtime.Infer([10, 200, 30]);

        Assert.Equal(InferenceOutcome.Ran, outcome);
        Assert.Equal(1, runtime.LastClass);
        Assert.Equal(1u, runtime.Device.Activity.Inferences);
        Assert.Equal("brightest", config.ModelId);
        Assert.Equal(3, runtime.InputLength);
        Assert.Equal(3, runtime.ClassCount);
        Assert.Equal(1, runtime.Loads);
    }

    [Fact]
    public void The_drift_noise_is_drawn_from_the_noise_port_and_never_from_the_seeded_random()
    {
        var model = ModelReader.Read(BrightestModel.Build("b-v2", 120, ["r", "g", "b"]));
        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 3, 10, 1, 1, 3);
        model.DriftProfile = layout.NewProfile();
        layout.AddSample(model.DriftProfile, new sbyte[3], 0, 3, 0, 0);
        var noise = new CountingRandom();
        var (runtime, _) = Runtime(ModelWriter.Write(model), noise: noise);

        for (int i = 0; i < 250; i++)
        {
            runtime.Infer([(byte)i, 20, 30]);
        }

        runtime.Device.Drift.Monitor.TakeWindow(0, "b-v2");
        Assert.NotNull(runtime.Device.Drift.Monitor.TakeWindow(3_600_000, "b-v2"));
        Assert.True(noise.Draws > 0, "the window's Laplace noise came from the port");
    }

    [Fact]
    public void Two_devices_built_from_the_same_seed_noise_their_drift_differently_without_a_noise_port()
    {
        var model = ModelReader.Read(BrightestModel.Build("b-v2", 120, ["r", "g", "b"]));
        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 3, 10, 1, 1, 3);
        model.DriftProfile = layout.NewProfile();
        layout.AddSample(model.DriftProfile, new sbyte[3], 0, 3, 0, 0);
        byte[] file = ModelWriter.Write(model);

        uint[] Window()
        {
            var (runtime, _) = Runtime(file);
            for (int i = 0; i < 250; i++)
            {
                runtime.Infer([(byte)i, 20, 30]);
            }

            runtime.Device.Drift.Monitor.TakeWindow(0, "b-v2");
            return runtime.Device.Drift.Monitor.TakeWindow(3_600_000, "b-v2")!.InputCounts;
        }

        // 48 noised counts: equal by chance with negligible probability; with noise seeded from the runtime's random they were equal.
        Assert.NotEqual(Window(), Window());
    }

    [Fact]
    public void A_model_with_a_normalising_front_end_classifies_raw_values_scaled_per_feature()
    {
        // The third column is measured in units a thousand times smaller: unscaled it would never win.
        var model = ModelReader.Read(BrightestModel.Build("b-v2", 120, ["a", "b", "c"]));
        model.FrontEnd = new Normalize(1, 1, 3, [0, 0, 0], [1, 1, 0.001f]);
        var (runtime, _) = Runtime(ModelWriter.Write(model));

        Assert.Equal(3, runtime.FrontEndValues);
        Assert.Equal(0, runtime.FrontEndSamples);
        Assert.Equal(InferenceOutcome.Ran, runtime.InferValues([0.3f, 0.2f, 0.0004f]));
        Assert.Equal(2, runtime.LastClass);
        Assert.Equal(InferenceOutcome.Ran, runtime.InferValues([0.3f, 0.2f, 0.0001f]));
        Assert.Equal(0, runtime.LastClass);
        Assert.Equal(2u, runtime.Device.Activity.Inferences);
    }

    [Fact]
    public void A_model_with_a_spectral_front_end_classifies_raw_int16_windows_and_its_drift_sees_the_features()
    {
        var model = ModelReader.Read(BrightestModel.Build("b-v2", 120, ["band", "rms", "peak"]));
        model.FrontEnd = new Spectral(channels: 1, samples: 64, bands: 1, spacing: Spectral.SpacingLinear, scales: null);
        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 3, 10, 1, 1, 3);
        model.DriftProfile = layout.NewProfile();
        layout.AddSample(model.DriftProfile, new sbyte[3], 0, 3, 0, 0);
        byte[] file = ModelWriter.Write(model);
        var (runtime, _) = Runtime(file);
        short[] window = [.. Enumerable.Range(0, 64).Select(i => (short)(i % 2 == 0 ? 400 : -400))];

        Assert.Equal(64, runtime.FrontEndSamples);
        Assert.Equal(InferenceOutcome.Ran, runtime.InferSamples(window));

        // The same features through the classifier alone give the same class; the drift window counted the sample.
        var direct = new Classifier(file);
        Assert.Equal(direct.ClassifySamples(window, 0), runtime.LastClass);
        Assert.Equal(direct.ProcessedInput, runtime.Classifier.ProcessedInput);
        Assert.Equal(1u, runtime.Device.Drift.Monitor.Count);
        Assert.Throws<InvalidOperationException>(() => runtime.InferValues([1f, 2f, 3f]));
    }

    private sealed class CountingRandom : Random
    {
        public int Draws { get; private set; }

        public override double NextDouble()
        {
            Draws++;
            return base.NextDouble();
        }

        public override int Next()
        {
            Draws++;
            return base.Next();
        }

        protected override double Sample()
        {
            Draws++;
            return base.Sample();
        }
    }

    [Fact]
    public void Without_a_model_nothing_runs_and_nothing_is_counted()
    {
        var (runtime, config) = Runtime(null);

        Assert.Equal(InferenceOutcome.NoModel, runtime.Infer([1, 2, 3]));
        Assert.False(runtime.HasModel);
        Assert.Equal(0u, runtime.Device.Activity.Inferences);
        Assert.Equal(-1, runtime.LastClass);
        Assert.Equal(string.Empty, config.ModelId);
        Assert.Equal(0, runtime.InputLength);
    }

    [Fact]
    public void An_injected_fault_counts_the_inference_as_a_failure()
    {
        var (runtime, _) = Runtime(TestModels.Build("v1", 1), new FailsAlways());

        Assert.Equal(InferenceOutcome.Failed, runtime.Infer([1, 2, 3]));
        Assert.Equal(1u, runtime.Device.Activity.Inferences);
        Assert.Equal(-1, runtime.LastClass);
    }

    [Fact]
    public void An_installed_variant_replaces_the_running_model_at_the_next_poll()
    {
        var rig = new AppRig();
        rig.Run(1000);
        Assert.False(rig.Runtime.HasModel);

        rig.Assign(TestModels.Signed("v2", 2), 21);
        rig.Run(1000);

        Assert.True(rig.Runtime.HasModel);
        Assert.Equal("v2", rig.Runtime.Classifier.VariantId);
        Assert.Equal(1, rig.Runtime.Loads);
        Assert.Equal(InferenceOutcome.Ran, rig.Runtime.Infer([250, 1, 1]));
        Assert.Equal(0, rig.Runtime.LastClass);
    }

    private sealed class FailsAlways : IInferenceFault
    {
        public bool Fails(string variantId) => true;
    }
}
