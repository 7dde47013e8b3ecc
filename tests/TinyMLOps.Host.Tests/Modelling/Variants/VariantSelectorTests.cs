using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Host.Tests.Modelling.Variants;

public sealed class VariantSelectorTests
{
    private static readonly Lazy<IReadOnlyList<VariantArtifact>> Family = new(VariantTestModels.Family);

    public static TheoryData<string, int> BoardsAndPowerStates()
    {
        var data = new TheoryData<string, int>();
        foreach (var board in BoardCatalog.Default.Boards.Where(b => b.Deployable))
        {
            data.Add(board.Id, 1);
            data.Add(board.Id, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BoardsAndPowerStates))]
    public void Each_board_gets_the_most_accurate_variant_that_fits_and_on_battery_the_most_accurate_within_budget(string boardId, int powerSource)
    {
        var board = BoardCatalog.Default.Boards.Single(b => b.Id == boardId);
        var policy = new SelectionPolicy();
        var device = new DeviceCapabilities("d-" + boardId, boardId, board.AppRamBytes, board.AppFlashBytes, null, powerSource, powerSource == 1 ? 60 : -1);
        var s = VariantSelector.Select(device, board, Family.Value, policy);

        var fitting = Family.Value.Where(v => CostModel.Estimate(board, v.Summary) is { Fits: true } c && c.RamBytes <= board.AppRamBytes * policy.HeapShare).ToList();
        Assert.Equal(fitting.MaxBy(v => v.Accuracy)?.VariantId, s.Plugged?.VariantId);
        var inBudget = fitting.Where(v =>
        {
            var c = CostModel.Estimate(board, v.Summary);
            return c.LatencyMs <= policy.BatteryMaxLatencyMs && c.EnergyMillijoules <= policy.BatteryMaxEnergyMillijoules;
        }).ToList();
        Assert.Equal(inBudget.MaxBy(v => v.Accuracy)?.VariantId, s.Battery?.VariantId);

        // What the device runs in this power state: the battery variant on battery when there is one.
        var runs = powerSource == 1 && s.Battery != null ? s.Battery : s.Plugged;
        Assert.NotNull(runs);
        if (s.Battery != null)
        {
            Assert.True(s.Battery.Accuracy <= s.Plugged!.Accuracy);
        }

        Assert.All(s.Lines, l => Assert.False(string.IsNullOrWhiteSpace(l.Verdict)));
    }

    [Fact]
    public void A_device_with_little_free_heap_is_given_a_smaller_variant_and_told_why()
    {
        var board = BoardCatalog.Default.Boards.MaxBy(b => b.AppRamBytes)!;
        var smallest = Family.Value.MinBy(v => CostModel.RamBytes(v.Summary))!;
        long heap = (long)(CostModel.RamBytes(smallest.Summary) / 0.75) + 16;
        var s = VariantSelector.Select(new DeviceCapabilities("tight", board.Id, heap, 0, null, 2, -1), board, Family.Value, new SelectionPolicy());

        Assert.Equal(smallest.VariantId, s.Plugged?.VariantId);
        Assert.Contains(s.Lines, l => !l.FitsDevice && l.Verdict.Contains("free heap", StringComparison.Ordinal));
    }

    [Fact]
    public void A_firmware_without_the_convolution_kernel_gets_a_fully_connected_variant()
    {
        var board = BoardCatalog.Default.Boards.MaxBy(b => b.AppRamBytes)!;
        var s = VariantSelector.Select(new DeviceCapabilities("no-conv", board.Id, 0, 0, ["FullyConnected", "Reshape", "Softmax"], 2, -1), board, Family.Value, new SelectionPolicy());

        Assert.StartsWith("mlp", s.Plugged!.VariantId, StringComparison.Ordinal);
        Assert.Contains(s.Lines, l => l.Verdict.Contains("lacks the Conv2D kernel", StringComparison.Ordinal));
    }

    [Fact]
    public void Native_kernels_buy_a_more_accurate_battery_variant_and_a_device_on_managed_kernels_is_estimated_interpreted()
    {
        // A budget that the interpreter meets only with the cheapest variant, native kernels with the most accurate.
        var board = BoardCatalog.Default.Boards.Where(b => b.Deployable).MaxBy(b => b.AppRamBytes)! with { NativeKernels = true };
        var cheapest = Family.Value.MinBy(v => v.Summary.Macs)!;
        var policy = new SelectionPolicy { BatteryMaxLatencyMs = CostModel.Estimate(board, cheapest.Summary, native: false).LatencyMs * 1.01, BatteryMaxEnergyMillijoules = 1e9 };
        var device = new DeviceCapabilities("d", board.Id, 0, 0, null, 1, 50);

        var native = VariantSelector.Select(device, board, Family.Value, policy);
        var managed = VariantSelector.Select(device with { KernelBackend = "managed" }, board, Family.Value, policy);

        Assert.Equal(cheapest.VariantId, managed.Battery?.VariantId);
        Assert.Equal(native.Plugged?.VariantId, native.Battery?.VariantId);
        Assert.True(native.Battery!.Accuracy > managed.Battery!.Accuracy, $"native {native.Battery.VariantId} against managed {managed.Battery.VariantId}");
        Assert.False(VariantSelector.NativeFor(device with { KernelBackend = "managed" }, board, policy));
        Assert.True(VariantSelector.NativeFor(device with { KernelBackend = "managed" }, board, policy with { NativeKernels = true }));
    }

    [Fact]
    public void A_zero_battery_budget_leaves_no_battery_variant_and_says_so()
    {
        var board = BoardCatalog.Default.Boards[0];
        var policy = new SelectionPolicy { BatteryMaxLatencyMs = 0 };
        var s = VariantSelector.Select(VariantCommandsNominal(board), board, Family.Value, policy);
        Assert.Null(s.Battery);
        Assert.Contains(s.Lines, l => l.Verdict.Contains("over the battery budget", StringComparison.Ordinal));
    }

    [Fact]
    public void A_board_that_is_not_deployable_gets_no_variant_and_every_line_gives_its_reason()
    {
        var f429 = BoardCatalog.Default.Get("stm32f429i-disco");
        var s = VariantSelector.Select(VariantCommandsNominal(f429), f429, Family.Value, new SelectionPolicy());

        Assert.Contains(Family.Value, v => CostModel.Estimate(f429, v.Summary).Fits); // the variants would fit: the board's status is what refuses them
        Assert.Null(s.Plugged);
        Assert.Null(s.Battery);
        Assert.Equal(Family.Value.Count, s.Lines.Count);
        Assert.All(s.Lines, l =>
        {
            Assert.False(l.FitsDevice);
            Assert.False(l.WithinBatteryBudget);
            Assert.Equal(f429.NotDeployable, l.Verdict);
        });

        // the same board marked deployable gets its variants: the rule is the status, not the figures
        var deployable = f429 with { Deployable = true, NotDeployableReason = null };
        Assert.NotNull(VariantSelector.Select(VariantCommandsNominal(deployable), deployable, Family.Value, new SelectionPolicy()).Plugged);
    }

    private static DeviceCapabilities VariantCommandsNominal(BoardProfile board) => new("n", board.Id, board.AppRamBytes, board.AppFlashBytes, null, 2, -1);
}
