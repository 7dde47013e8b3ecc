using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Variant;

/// <summary>variant build, ls, show and explain through the real command tree.</summary>
public sealed class VariantCliTests : ConsoleTest
{
    [Fact]
    public async Task Build_then_ls_show_and_explain_a_device()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        string plots = Path.Combine(Dir.FullName, "img");
        Assert.Equal(0, Run("variant", "build", "--registry", registry, "--only", "mlp-w0.25", "cnn-w0.25", "--epochs", "1", "--train-images", "3000", "--plots", plots));
        Assert.Contains("2 variants added", Out.ToString());
        Assert.Equal(6, Directory.GetFiles(plots, "variants-*.png").Length);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("variant", "ls", "--registry", registry, "--markdown"));
        string md = Out.ToString();
        Assert.Contains("| mlp-w0.25 |", md);
        Assert.Contains("One model for every deployable board", md);
        Assert.Contains("stm32f429i-disco is not deployable: ", md);
        Assert.Contains("| stm32f769i-disco | ", md);
        Assert.DoesNotContain("| stm32f429i-disco | ", md); // no pick, so no row in the per-board gain table

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("variant", "show", "cnn-w0.25", "--registry", registry));
        Assert.Matches("artifact sha256:[0-9a-f]{64}", Out.ToString());
        Assert.Contains("Conv2D", Out.ToString());

        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            var hello = new HelloPayload { Board = "esp32-c3", FreeHeapBytes = 40_000, FreeFlashBytes = 150_000, PowerSource = 1, BatteryPercent = 70 };
            await store.IngestAsync([new IngestRecord("lab", "c3-1", 1, MessageKind.Hello, 0, DateTimeOffset.UtcNow, hello.Encode()) { Hello = hello }]);
            var disco = new HelloPayload { Board = "stm32f429i-disco", FreeHeapBytes = 8_000_000, FreeFlashBytes = 1_000_000, PowerSource = 2, BatteryPercent = -1 };
            await store.IngestAsync([new IngestRecord("lab", "disco-1", 1, MessageKind.Hello, 0, DateTimeOffset.UtcNow, disco.Encode()) { Hello = disco }]);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("variant", "explain", "disco-1", "--registry", registry, "--db", db));
        AssertSaysNotDeployable("stm32f429i-disco");
        Assert.Contains("plugged in: none; on battery: none", Out.ToString());
        Assert.DoesNotContain("fits", Out.ToString());
        Assert.DoesNotContain("(plugged", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("variant", "explain", "c3-1", "--registry", registry, "--db", db));
        string explain = Out.ToString();
        Assert.Contains("c3-1", explain);
        Assert.Matches("plugged in: (mlp|cnn)-w0.25; on battery: ", explain);

        // The hello did not say which kernels: the board profile's native kernels are assumed, and the interpreted column is the other mode.
        Assert.Contains("kernels: native", Flat());
        Assert.Contains("the device has not reported", Flat());
        Assert.Contains("interpreted ms", Flat());

        // A device that reports the C# kernels is estimated interpreted.
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            var managed = new HelloPayload { Board = "esp32-c3", FreeHeapBytes = 40_000, FreeFlashBytes = 150_000, PowerSource = 1, BatteryPercent = 70, ConsentSettings = [1], InstalledHashes = [new byte[8]], KernelBackend = "managed" };
            await store.IngestAsync([new IngestRecord("lab", "c3-2", 1, MessageKind.Hello, 0, DateTimeOffset.UtcNow, managed.Encode()) { Hello = managed }]);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("variant", "explain", "c3-2", "--registry", registry, "--db", db));
        Assert.Contains("kernels: interpreted", Flat());
        Assert.Contains("the device reports managed kernels", Flat());
        Assert.Contains("native ms", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("variant", "show", "nope", "--registry", registry));
        Assert.Contains("no variant 'nope'", Out.ToString());

        // Each built variant carries its own watermark; the registry keeps the keys, owner-only, and finds a copied file.
        var reg = VariantRegistry.Open(registry);
        var keys = reg.WatermarkKeys();
        Assert.Equal(["cnn-w0.25", "mlp-w0.25"], keys.Select(k => k.Artifact.VariantId).Order());
        Assert.NotEqual(keys[0].Key.Seed, keys[1].Key.Seed);
        if (!OperatingSystem.IsWindows())
        {
            foreach (string f in Directory.GetFiles(Path.Combine(registry, "watermarks")))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            }
        }

        var mlp = reg.Find("mlp-w0.25")!;
        string stolen = Path.Combine(Dir.FullName, "stolen.tmlm");
        File.WriteAllBytes(stolen, reg.ReadFile(mlp));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "verify-watermark", stolen, "--registry", registry));
        Assert.Contains("derives from mlp-w0.25 v1", Out.ToString());
        Assert.Contains("PRESENT", Out.ToString());

        // An unmarked model of the same shape is not claimed.
        string unmarked = Path.Combine(Dir.FullName, "unmarked.tmlm");
        File.WriteAllBytes(unmarked, ModelWriter.Write(TinyMLOps.Modelling.Quantization.PostTrainingQuantizer.Quantize(TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(200), new TinyMLOps.Modelling.Quantization.QuantizationOptions())));
        Out.GetStringBuilder().Clear();
        Assert.Equal(TinyMLOps.Console.Commands.Model.ModelVerifyWatermarkCommand.NoMatchExitCode, Run("model", "verify-watermark", unmarked, "--registry", registry));
        Assert.Contains("verdict: no watermark", Out.ToString());
    }
}
