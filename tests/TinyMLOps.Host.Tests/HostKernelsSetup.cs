using System.Runtime.CompilerServices;
using TinyMLOps.Modelling.Kernels;

namespace TinyMLOps.Host.Tests;

/// <summary>
/// The host tests run like the console: interpreters made without a backend use the SIMD kernels when the CPU has
/// them. Tests whose point is the C# kernels (the ONNX Runtime oracles) pass a null backend explicitly.
/// </summary>
internal static class HostKernelsSetup
{
#pragma warning disable CA2255 // The test assembly is the process's start-up here; the choice must precede the first model load.
    [ModuleInitializer]
    internal static void Install() => HostKernels.Install();
#pragma warning restore CA2255
}
