using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.NativeKernels")]
[assembly: AssemblyDescription("Interop assembly: the int8 kernels of the firmware's C library (firmware/native) as a kernel backend")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("1.0.0.0")]

// The version of the native side this assembly needs; the glue's CLR_RT_NativeAssemblyData carries the same
// (gen_table.py checks that it equals AssemblyVersion, which it writes into the table).
[assembly: AssemblyNativeVersion("1.0.0.0")]
