namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>Debug output (Debug.WriteLine on a board, the host's logger on a virtual one).</summary>
    public interface ILog
    {
        void Info(string message);

        void Warn(string message);

        void Error(string message);
    }
}
