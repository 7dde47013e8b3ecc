using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.NanoTests")]
[assembly: AssemblyDescription("Device-side tests of the TinyMLOps core that run on nanoCLR (nanoFramework.TestFramework)")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.4.0.0")]
