using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.NativeKernels")]
[assembly: AssemblyDescription("Interop assembly: the int8 kernels of the firmware's C library (firmware/native) as a kernel backend")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("1.0.0.0")]
