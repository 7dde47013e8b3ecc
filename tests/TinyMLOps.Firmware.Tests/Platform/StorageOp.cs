namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>One mutation <see cref="MemoryStorage"/> performed: what, on which file, how many bytes it wrote.</summary>
public sealed record StorageOp(string Operation, string Name, int Bytes);
