using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Modelling.Tasks.Fashion;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>Shared helpers of the ONNX tests: fixtures, the Fashion-MNIST test set, ONNX Runtime sessions.</summary>
internal static class OnnxTestSupport
{
    private static readonly Lazy<ImageDataset> TestSet = new(() => FashionMnist.LoadTest(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The 10,000 Fashion-MNIST test images (loaded once per test run).</summary>
    public static ImageDataset FashionMnistTest => TestSet.Value;

    /// <summary>Path of a committed fixture in tests/TinyMLOps.Host.Tests/Fixtures, found from the test binaries upward.</summary>
    public static string FixturePath(string file)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "TinyMLOps.Host.Tests", "Fixtures", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            candidate = Path.Combine(dir.FullName, "Fixtures", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"fixture {file} not found above {AppContext.BaseDirectory}");
    }

    public static byte[] Fixture(string file) => File.ReadAllBytes(FixturePath(file));

    public static InferenceSession Session(ModelProto model) => Session(model.ToByteArray());

    public static InferenceSession Session(byte[] model)
    {
        using var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        return new InferenceSession(model, options);
    }

    /// <summary>Runs a single-input session and copies every requested output.</summary>
    public static T[][] Run<TIn, T>(InferenceSession session, TIn[] input, long[] shape, params string[] outputs)
        where TIn : unmanaged
        where T : unmanaged
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [session.InputNames[0]], [value], outputs);
        var copies = new T[results.Count][];
        for (int i = 0; i < results.Count; i++)
        {
            copies[i] = results[i].GetTensorDataAsSpan<T>().ToArray();
        }

        return copies;
    }

    /// <summary>Index of the largest value, the first on ties (like Interpreter.ArgMax).</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : IComparable<T>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i].CompareTo(values[best]) > 0)
            {
                best = i;
            }
        }

        return best;
    }
}
