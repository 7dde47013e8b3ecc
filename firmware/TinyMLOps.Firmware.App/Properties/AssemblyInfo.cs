using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.App")]
[assembly: AssemblyDescription("TinyMLOps device application for ESP32 boards: provisioned configuration, Wi-Fi, M2Mqtt with TLS, flash storage, status LED, power detect, deep sleep")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.4.0.0")]
