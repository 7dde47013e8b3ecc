using System;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// ILog over Console.WriteLine, which reaches the debugger (and the serial console) on a board. Not
    /// Debug.WriteLine: nanoFramework compiles that out of Release builds, and a fielded device's log matters most.
    /// </summary>
    public sealed class DebugLog : ILog
    {
        private readonly string _prefix;

        /// <param name="tag">Put before every line (for example the device id); null or empty for none.</param>
        public DebugLog(string tag)
        {
            _prefix = tag == null || tag.Length == 0 ? string.Empty : "[" + tag + "] ";
        }

        public void Info(string message)
        {
            Console.WriteLine(_prefix + "INFO " + message);
        }

        public void Warn(string message)
        {
            Console.WriteLine(_prefix + "WARN " + message);
        }

        public void Error(string message)
        {
            Console.WriteLine(_prefix + "ERROR " + message);
        }
    }
}
