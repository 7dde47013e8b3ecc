using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Modelling.Boards;

public class CostModelTests
{
    private static readonly Lazy<ModelSummary> SmallMlp = new(() => Summarize(ModelZoo.Mlp(hidden: 16), seed: 1));
    private static readonly Lazy<ModelSummary> SmallCnn = new(() => Summarize(ModelZoo.Cnn(conv1: 2, conv2: 4, hidden: 0), seed: 2));

    [Fact]
    public void The_kernel_of_a_layer_is_the_first_word_of_its_op()
    {
        Assert.Equal("Conv2D", CostModel.KernelOf("Conv2D 3x3/1"));
        Assert.Equal("DepthwiseConv2D", CostModel.KernelOf("DepthwiseConv2D 3x3/1 x1"));
        Assert.Equal("Softmax", CostModel.KernelOf("Softmax"));
        Assert.All(SmallCnn.Value.Layers, l => Assert.Contains(CostModel.KernelOf(l.Op), BoardCatalog.RuntimeKernels));
    }

    [Fact]
    public void A_small_model_fits_every_shipped_board()
    {
        foreach (BoardProfile board in BoardCatalog.Default.All)
        {
            VariantCost cost = CostModel.Estimate(board, SmallCnn.Value);
            Assert.True(cost.Fits, $"{board.Id}: {cost.Reason}");
            Assert.Null(cost.Reason);
            Assert.Equal(board.Id, cost.BoardId);
            Assert.Equal(SmallCnn.Value.Macs, cost.Macs);
            Assert.True(cost.LatencyMs > 0 && cost.EnergyMillijoules > 0);
        }
    }

    [Fact]
    public void RAM_is_the_model_file_held_in_memory_plus_the_working_set_which_includes_the_arena()
    {
        ModelSummary m = SmallCnn.Value;
        Assert.True(m.WorkingBytes >= m.ArenaBytes);
        VariantCost cost = CostModel.Estimate(Board(), m);
        Assert.Equal((long)m.FlashBytes + m.WorkingBytes, cost.RamBytes);
        Assert.Equal(m.FlashBytes, cost.FlashBytes);
    }

    [Fact]
    public void A_model_too_big_for_flash_does_not_fit_and_the_reason_says_by_how_much()
    {
        ModelSummary m = SmallMlp.Value;
        BoardProfile board = Board() with { AppFlashBytes = m.FlashBytes - 100 };
        VariantCost cost = CostModel.Estimate(board, m);
        Assert.False(cost.Fits);
        Assert.StartsWith("flash:", cost.Reason);
        Assert.Contains("(100 B over)", cost.Reason);
        Assert.DoesNotContain("RAM", cost.Reason);
    }

    [Fact]
    public void A_model_too_big_for_RAM_does_not_fit_and_the_reason_says_by_how_much()
    {
        ModelSummary m = SmallMlp.Value;
        long need = CostModel.RamBytes(m);
        BoardProfile board = Board() with { AppRamBytes = need - 1 };
        VariantCost cost = CostModel.Estimate(board, m);
        Assert.False(cost.Fits);
        Assert.StartsWith("RAM:", cost.Reason);
        Assert.Contains("(1 B over)", cost.Reason);
        Assert.True(CostModel.Estimate(board with { AppRamBytes = need }, m).Fits, "exactly enough RAM fits");
    }

    [Fact]
    public void A_board_without_a_kernel_the_model_uses_does_not_fit_and_the_reason_names_the_kernel()
    {
        BoardProfile noConv = Board() with { Kernels = BoardCatalog.RuntimeKernels.Where(k => k != "Conv2D").ToList() };
        VariantCost cnn = CostModel.Estimate(noConv, SmallCnn.Value);
        Assert.False(cnn.Fits);
        Assert.Equal("kernels: test-board lacks Conv2D", cnn.Reason);

        // The MLP has no convolution, so it still fits.
        Assert.True(CostModel.Estimate(noConv, SmallMlp.Value).Fits);
    }

    [Fact]
    public void Every_failed_check_is_listed_in_the_reason()
    {
        BoardProfile tiny = Board() with { AppFlashBytes = 10, AppRamBytes = 10, Kernels = ["FullyConnected"] };
        VariantCost cost = CostModel.Estimate(tiny, SmallCnn.Value);
        Assert.False(cost.Fits);
        Assert.Contains("kernels:", cost.Reason);
        Assert.Contains("flash:", cost.Reason);
        Assert.Contains("RAM:", cost.Reason);
    }

    [Fact]
    public void Latency_is_MACs_times_cycles_per_MAC_plus_per_operator_overhead_over_the_clock()
    {
        ModelSummary m = SmallCnn.Value;
        BoardProfile b = Board();
        double expected = ((m.Macs * b.CyclesPerMacInterpreted) + (m.Layers.Count * b.CyclesPerOperatorOverhead)) / (b.ClockMhz * 1e3);
        VariantCost cost = CostModel.Estimate(b, m, native: false);
        Assert.Equal(expected, cost.LatencyMs, 9);
        Assert.Equal(b.ActivePowerMilliwatts * cost.LatencyMs / 1000, cost.EnergyMillijoules, 12);

        double nativeExpected = ((m.Macs * b.CyclesPerMacNative) + (m.Layers.Count * b.CyclesPerOperatorOverhead)) / (b.ClockMhz * 1e3);
        Assert.Equal(nativeExpected, CostModel.Estimate(b, m, native: true).LatencyMs, 9);
    }

    [Fact]
    public void Latency_and_energy_scale_with_MACs_and_inversely_with_the_clock()
    {
        BoardProfile b = Board() with { CyclesPerOperatorOverhead = 0 };
        double one = CostModel.LatencyMs(b, macs: 1_000_000, operators: 5);
        Assert.Equal(2 * one, CostModel.LatencyMs(b, macs: 2_000_000, operators: 5), 9);
        Assert.Equal(one / 2, CostModel.LatencyMs(b with { ClockMhz = b.ClockMhz * 2 }, macs: 1_000_000, operators: 5), 9);

        // A model with more MACs costs more time and energy on the same board.
        VariantCost mlp = CostModel.Estimate(Board(), SmallMlp.Value);
        VariantCost cnn = CostModel.Estimate(Board(), SmallCnn.Value);
        Assert.True(SmallCnn.Value.Macs > SmallMlp.Value.Macs);
        Assert.True(cnn.LatencyMs > mlp.LatencyMs && cnn.EnergyMillijoules > mlp.EnergyMillijoules);

        // Twice the power, twice the energy, same latency.
        VariantCost hot = CostModel.Estimate(Board() with { ActivePowerMilliwatts = Board().ActivePowerMilliwatts * 2 }, SmallCnn.Value);
        Assert.Equal(cnn.LatencyMs, hot.LatencyMs, 12);
        Assert.Equal(2 * cnn.EnergyMillijoules, hot.EnergyMillijoules, 9);
    }

    [Fact]
    public void Native_kernels_are_faster_than_the_interpreter_on_every_shipped_board()
    {
        foreach (BoardProfile board in BoardCatalog.Default.All)
        {
            VariantCost interpreted = CostModel.Estimate(board, SmallCnn.Value, native: false);
            VariantCost native = CostModel.Estimate(board, SmallCnn.Value, native: true);
            Assert.True(native.LatencyMs < interpreted.LatencyMs, board.Id);
        }
    }

    [Fact]
    public void Without_an_override_a_board_is_estimated_with_the_kernels_its_firmware_carries()
    {
        BoardProfile board = Board();
        VariantCost interpreted = CostModel.Estimate(board with { NativeKernels = false }, SmallCnn.Value);
        VariantCost native = CostModel.Estimate(board with { NativeKernels = true }, SmallCnn.Value);
        Assert.Equal(CostModel.Estimate(board, SmallCnn.Value, native: false).LatencyMs, interpreted.LatencyMs, 9);
        Assert.Equal(CostModel.Estimate(board, SmallCnn.Value, native: true).LatencyMs, native.LatencyMs, 9);
        Assert.True(native.LatencyMs < interpreted.LatencyMs / 10);
    }

    [Fact]
    public void The_ESP32_without_PSRAM_cannot_hold_a_model_the_WROVER_can()
    {
        // A 784-64-10 MLP: ~51 kB of weights, which the 44 KiB heap of a plain ESP32 cannot hold, but PSRAM can.
        ModelSummary mlp64 = Summarize(ModelZoo.Mlp(hidden: 64), seed: 3);
        VariantCost devkit = CostModel.Estimate(BoardCatalog.Default.Get("esp32-devkitc"), mlp64);
        VariantCost wrover = CostModel.Estimate(BoardCatalog.Default.Get("esp32-wrover"), mlp64);
        Assert.False(devkit.Fits);
        Assert.StartsWith("RAM:", devkit.Reason);
        Assert.True(wrover.Fits, wrover.Reason);
    }

    [Fact]
    public void A_front_end_adds_its_ram_and_its_interpreted_time_to_the_model()
    {
        // The same dense classifier over a 49x10 input, bare and with the keyword MFCC in front of it.
        FloatModel dense = ModelZoo.Mlp(hidden: 8, labels: ["a", "b"], input: new TensorShape(49, 10, 1));
        Trainer.InitializeWeights(dense, 4);
        var random = new Random(4);
        float[][] samples = [.. Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 490).Select(_ => (float)random.NextDouble()).ToArray())];
        Int8Model q = PostTrainingQuantizer.Quantize(dense, samples, new QuantizationOptions { CalibrationSamples = 16 });
        ModelSummary bare = ModelSummary.Of(ModelWriter.Write(q));
        var mfcc = new TinyMLOps.Shared.Preprocessing.Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0);
        q.FrontEnd = mfcc;
        ModelSummary fronted = ModelSummary.Of(ModelWriter.Write(q));
        BoardProfile c3 = BoardCatalog.Default.Get("esp32-c3");

        VariantCost without = CostModel.Estimate(c3, bare, native: false);
        VariantCost with = CostModel.Estimate(c3, fronted, native: false);

        Assert.Equal(mfcc.MemoryBytes, fronted.FrontEndBytes);
        Assert.Equal(CostModel.RamBytes(fronted), with.RamBytes);
        Assert.True(with.RamBytes - without.RamBytes >= mfcc.MemoryBytes, "the MFCC's tables and buffers count");
        // 49 frames x 1024 x log2 1024 x 4.86 = 2.44 M interpreted-MAC equivalents: seconds on a 160 MHz core.
        Assert.InRange(fronted.FrontEndMacs, 2_400_000, 2_500_000);
        Assert.InRange(with.LatencyMs - without.LatencyMs, 5_000, 7_000);

        // With the native library the MFCC runs its C twin: 49 x 1024 x 10 x 4.7 = 2.36 M native-MAC equivalents x 6 cycles
        // at 160 MHz, about 90 ms (its QEMU count, 11.0 M RV32 instructions, x 1.1 CPI is 76 ms).
        Assert.InRange(fronted.FrontEndNativeMacs!.Value, 2_300_000, 2_400_000);
        double nativeFrontEnd = CostModel.Estimate(c3, fronted, native: true).LatencyMs - CostModel.Estimate(c3, bare, native: true).LatencyMs;
        Assert.InRange(nativeFrontEnd, 50, 150);
    }

    private static BoardProfile Board() => BoardCatalog.Parse(BoardCatalogTests.ValidProfile("test-board").ToJsonString(), "test-board.json") with
    {
        AppFlashBytes = 10_000_000,
        AppRamBytes = 10_000_000,
    };

    /// <summary>Random weights, calibrated on 16 random images: enough for sizes and MACs, and fast.</summary>
    private static ModelSummary Summarize(FloatModel model, int seed)
    {
        Trainer.InitializeWeights(model, seed);
        var rng = new Random(seed);
        int pixels = FashionMnist.ImageSize * FashionMnist.ImageSize;
        byte[] images = new byte[16 * pixels];
        rng.NextBytes(images);
        byte[] labels = Enumerable.Range(0, 16).Select(i => (byte)(i % 10)).ToArray();
        var data = new ImageDataset("random", FashionMnist.ImageSize, FashionMnist.ImageSize, 1, images, labels, FashionMnist.ClassNames);
        Int8Model q = PostTrainingQuantizer.Quantize(model, data, new QuantizationOptions { CalibrationSamples = 16 });
        return ModelSummary.Of(ModelWriter.Write(q));
    }
}
