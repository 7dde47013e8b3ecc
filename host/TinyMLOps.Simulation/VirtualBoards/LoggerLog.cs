using Microsoft.Extensions.Logging;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>A virtual board's debug output, into the host's structured log with the device id as scope.</summary>
public sealed class LoggerLog(ILogger logger, string deviceId) : ILog
{
    public void Info(string message) => logger.LogDebug("[{Device}] {Message}", deviceId, message);

    public void Warn(string message) => logger.LogInformation("[{Device}] {Message}", deviceId, message);

    public void Error(string message) => logger.LogWarning("[{Device}] {Message}", deviceId, message);
}
