using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.Adapters")]
[assembly: AssemblyDescription("nanoFramework platform adapters and board composition: M2Mqtt transport, flash storage, Ethernet, GPIO power and LED, clock, log")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
