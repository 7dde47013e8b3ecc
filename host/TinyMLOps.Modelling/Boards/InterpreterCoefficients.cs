namespace TinyMLOps.Modelling.Boards;

/// <summary>The cycles per MAC of a plain C int8 loop (reference kernels, no SIMD) on a board's core, and why.</summary>
public sealed record PlainCCycles(string BoardId, string Core, double CyclesPerMac, string Source);

/// <summary>
/// How boards/*.json's <c>cyclesPerMacInterpreted</c> is derived (boards/README.md): the interpreter factor measured by
/// `tinymlops bench nanoclr` on one host (nanoCLR ns/MAC ÷ plain C ns/MAC, same kernel shapes, same machine) times the
/// cycles per MAC of plain C reference kernels on the board's core. The factor is assumed to carry over from the host
/// to the board: an estimate until the benchmark app has run on the board itself.
/// </summary>
public static class InterpreterCoefficients
{
    public static IReadOnlyList<PlainCCycles> PlainC { get; } =
    [
        new("esp32-devkitc", "Xtensa LX6", 4.0, "the profile's plain C figure (cyclesPerMacNative): two byte loads, a 16-bit multiply, an add and the loop, no SIMD; heap in internal SRAM"),
        new("esp32-wrover", "Xtensa LX6, heap in PSRAM", 6.0, "the profile's plain C figure with the data in PSRAM behind the 32 KiB cache (cyclesPerMacNative)"),
        new("esp32-s3", "Xtensa LX7, heap in quad PSRAM", 5.0, "scalar LX7 as LX6 (4, the PIE SIMD unused by plain C) plus 25 % for PSRAM-resident data behind the S3's larger cache"),
        new("esp32-c3", "RISC-V RV32IMC", 5.0, "the profile's plain C figure (cyclesPerMacNative): lb, lb, mul, add, addi, bne from the flash cache"),
        new("stm32f769i-disco", "Cortex-M7, heap in SDRAM (D-cache)", 3.5, "Cortex-M4 reference kernels 4.6 scaled by about 0.65 for the M7's dual issue and branch prediction, plus 15 % for SDRAM-resident data behind the data cache"),
        new("stm32f429i-disco", "Cortex-M4F, heap in SDRAM", 5.5, "TFLM reference int8 kernels at about 4.6 cycles/MAC on Cortex-M4 (MLPerf Tiny v0.5, as issue 16 gives it; not re-checked here) plus 20 % for SDRAM-resident data without a data cache"),
    ];

    /// <summary>factor × plain C cycles, rounded to 10 cycles.</summary>
    public static double Derive(double factor, PlainCCycles plainC) => Math.Round(factor * plainC.CyclesPerMac / 10.0) * 10.0;
}
