using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.Adapters")]
[assembly: AssemblyDescription("nanoFramework platform adapters: M2Mqtt transport, flash storage, Wi-Fi, GPIO power and LED, clock, log")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
