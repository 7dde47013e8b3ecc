using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A virtual board's free memory from its board profile: the application RAM less what the firmware's own
/// layers hold, and the application flash less the files on its storage folder.
/// </summary>
public sealed class SimMemoryInfo(long appRamBytes, long appFlashBytes, DirectoryStorage storage) : IMemoryInfo
{
    /// <summary>RAM the nanoFramework runtime, sync layer and application keep besides the model (an estimate).</summary>
    public const long FirmwareRamBytes = 24 * 1024;

    public long FreeHeapBytes => Math.Max(0, appRamBytes - FirmwareRamBytes);

    public long FreeFlashBytes => Math.Max(0, appFlashBytes - storage.UsedBytes());

    /// <summary>The memory of a catalogued board, or null for a board the catalog lacks (the hello then reports 0, unknown).</summary>
    public static SimMemoryInfo? For(string boardId, DirectoryStorage storage) =>
        BoardCatalog.Default.Boards.FirstOrDefault(b => b.Id == boardId) is { } board ? new SimMemoryInfo(board.AppRamBytes, board.AppFlashBytes, storage) : null;
}
