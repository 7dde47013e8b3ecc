namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>A fact that needs gcc to build firmware/native: skipped, with the line why, without it.</summary>
public sealed class NativeKernelFactAttribute : FactAttribute
{
    public NativeKernelFactAttribute()
    {
        string? reason = NativeKernels.Unavailable();
        if (reason != null)
        {
            Skip = reason;
        }
    }
}
