using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.Storage;

public class SmallFileTests
{
    [Fact]
    public void A_body_reads_back_as_written_and_a_damaged_file_reads_as_nothing()
    {
        var storage = new MemoryStorage();
        Assert.Null(SmallFile.Read(storage, "state.dat"));

        SmallFile.Write(storage, "state.dat", [1, 2, 3, 9], 3);
        Assert.Equal(new byte[] { 1, 2, 3 }, SmallFile.Read(storage, "state.dat"));
        Assert.Equal(3 + RecordFormat.Overhead, storage.Length("state.dat"));

        storage.Corrupt("state.dat", 5);
        Assert.Null(SmallFile.Read(storage, "state.dat"));
    }

    [Fact]
    public void A_leftover_temp_file_beside_the_file_is_discarded_and_one_alone_is_adopted()
    {
        var storage = new MemoryStorage();
        SmallFile.Write(storage, "state.dat", [1], 1);
        storage.WriteAll(SmallFile.TempName("state.dat"), RecordFormat.Frame(SmallFile.RecordType, [2], 1));

        // The rename never happened: the old contents stand.
        Assert.Equal(new byte[] { 1 }, SmallFile.Read(storage, "state.dat"));
        Assert.False(storage.Exists(SmallFile.TempName("state.dat")));

        // The file system deleted the target before a cut rename: the complete temp file is the newest state.
        storage.Delete("state.dat");
        storage.WriteAll(SmallFile.TempName("state.dat"), RecordFormat.Frame(SmallFile.RecordType, [2], 1));
        Assert.Equal(new byte[] { 2 }, SmallFile.Read(storage, "state.dat"));
        Assert.True(storage.Exists("state.dat"));
    }
}
