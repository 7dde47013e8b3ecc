using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Platform;

public sealed class ListLog : ILog
{
    public List<string> Lines { get; } = [];

    public void Info(string message) => Lines.Add("info: " + message);

    public void Warn(string message) => Lines.Add("warn: " + message);

    public void Error(string message) => Lines.Add("error: " + message);
}
