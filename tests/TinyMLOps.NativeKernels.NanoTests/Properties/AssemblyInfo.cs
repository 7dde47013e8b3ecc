using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.NativeKernels.NanoTests")]
[assembly: AssemblyDescription("Tests of the native kernel interop assembly on nanoCLR: found or not, byte-identical with the C# kernels, checked descriptors, time per MAC")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("1.0.0.0")]
