using System.Reflection;

[assembly: AssemblyTitle("TinyMLOps.Shared.Contracts")]
[assembly: AssemblyDescription("Contracts between device and host: protocol, provisioning, metering, federated deltas")]
[assembly: AssemblyProduct("TinyMLOps")]
[assembly: AssemblyVersion("0.1.0.0")]
