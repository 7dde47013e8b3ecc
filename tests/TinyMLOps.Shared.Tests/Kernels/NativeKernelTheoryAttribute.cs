namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>A theory that needs gcc to build firmware/native: skipped, with the line why, without it.</summary>
public sealed class NativeKernelTheoryAttribute : TheoryAttribute
{
    public NativeKernelTheoryAttribute()
    {
        string? reason = NativeKernels.Unavailable();
        if (reason != null)
        {
            Skip = reason;
        }
    }
}
