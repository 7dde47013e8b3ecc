using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Failures caused by the user's input: reported in one line, no stack trace.</summary>
internal static class UserError
{
    public static bool IsUserError(Exception e) => e is ModelFormatException
        or OnnxFormatException
        or IdxFormatException
        or NpyFormatException
        or FormatException
        or FileNotFoundException
        or DirectoryNotFoundException
        or InvalidDataException
        or NotSupportedException
        or ArgumentException
        or InvalidOperationException;
}
