namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>A fact that needs the cross compilers and QEMU of firmware/native/bench/run.sh: skipped, with the line why, without them.</summary>
public sealed class QemuKernelFactAttribute : FactAttribute
{
    public static readonly string[] Tools = ["arm-none-eabi-gcc", "riscv64-unknown-elf-gcc", "qemu-system-arm", "qemu-system-riscv32", "python3", "bash"];

    public QemuKernelFactAttribute()
    {
        string? reason = Unavailable();
        if (reason != null)
        {
            Skip = reason;
        }
    }

    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the QEMU kernel benchmark runs on Linux only";
        }

        string[] missing = Tools.Where(t => NativeKernels.FindOnPath(t) == null).ToArray();
        if (missing.Length > 0)
        {
            return "not on the PATH: " + string.Join(", ", missing) + " (apt-get install gcc-arm-none-eabi gcc-riscv64-unknown-elf qemu-system-arm qemu-system-misc): the bare-metal kernels are not checked";
        }

        return NativeKernels.SourceDirectory() == null ? "no TinyMLOps checkout above " + AppContext.BaseDirectory : null;
    }
}
