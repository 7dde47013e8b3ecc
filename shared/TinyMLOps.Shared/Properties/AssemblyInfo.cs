using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Shared")]
[assembly: AssemblyDescription("Portable int8 model runtime shared by the device and the host: model format, kernels, front-ends, drift")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
