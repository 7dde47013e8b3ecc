using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.Bench")]
[assembly: AssemblyDescription("TinyMLOps interpreter benchmark: int8 kernels and variant-shaped inferences timed on nanoCLR")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.4.0.0")]
