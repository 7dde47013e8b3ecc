using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Modelling.Kernels;

/// <summary>
/// The kernel backend of host processes, chosen once at start-up (the console's entry point, the benchmarks, the test
/// assembly): the SIMD kernels when the CPU has AVX2, else the C# kernels. Interpreters made afterwards without an
/// explicit backend use it (<see cref="KernelBackends.Default"/>).
/// </summary>
public static class HostKernels
{
    private static readonly Lazy<SimdKernelBackend?> Simd = new(() => SimdKernelBackend.IsSupported ? new SimdKernelBackend() : null);

    /// <summary>The SIMD backend, or null when this CPU lacks AVX2.</summary>
    public static IKernelBackend? Fastest => Simd.Value;

    /// <summary>Makes <see cref="Fastest"/> the default backend; returns its name ("simd" or "managed").</summary>
    public static string Install()
    {
        KernelBackends.Default = Fastest;
        return KernelBackends.NameOf(KernelBackends.Default);
    }
}
