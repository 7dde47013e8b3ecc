using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Firmware.App.Stm32")]
[assembly: AssemblyDescription("TinyMLOps device application for STM32 boards: provisioned configuration, Ethernet, M2Mqtt with TLS, flash storage, status LED, power detect")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.4.0.0")]
