using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.Core")]
[assembly: AssemblyDescription("Portable device core: model loading and classification on nanoFramework")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
