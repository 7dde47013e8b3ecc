using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.Storage;

public class WriteCountingStorageTests
{
    [Fact]
    public void Every_mutation_counts_as_a_flash_write_and_reads_do_not()
    {
        var inner = new MemoryStorage();
        var storage = new WriteCountingStorage(inner);

        storage.WriteAll("a", [1, 2, 3]);
        storage.Append("a", [4], 0, 1);
        storage.Truncate("a", 2);
        storage.Rename("a", "b");
        Assert.Equal(2, storage.ReadAll("b")!.Length);
        Assert.True(storage.Exists("b") && !storage.Exists("a"));
        Assert.Equal(2, storage.Length("b"));
        storage.Delete("b");

        Assert.Equal(5, storage.Writes);
        Assert.Empty(inner.Names);
    }
}
