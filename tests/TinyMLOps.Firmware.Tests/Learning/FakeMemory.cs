using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Learning;

internal sealed class FakeMemory(long freeHeap) : IMemoryInfo
{
    public long FreeHeapBytes { get; set; } = freeHeap;

    public long FreeFlashBytes => -1;
}
