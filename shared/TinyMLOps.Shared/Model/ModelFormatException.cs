using System;

namespace TinyMLOps.Shared.Model
{
    /// <summary>The one error a model decoder raises: the file is truncated, corrupt, unsupported or inconsistent.</summary>
    public class ModelFormatException : Exception
    {
        public ModelFormatException(string message)
            : base(message)
        {
        }
    }
}
