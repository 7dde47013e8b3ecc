using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Shared")]
[assembly: AssemblyDescription("Portable int8 model runtime and contracts shared by the device and the host")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
