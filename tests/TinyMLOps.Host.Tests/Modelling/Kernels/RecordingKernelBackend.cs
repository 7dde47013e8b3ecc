using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using static TinyMLOps.Shared.Kernels.KernelCall;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// A kernel backend that takes no call: it writes down every kernel call of an inference (kernel id, descriptor,
/// the weights, bias, multipliers, shifts or tables it reads) and lets the C# kernel run, so the arena ends with the
/// managed interpreter's bytes. <see cref="Record"/> makes the .tmlr blob firmware/native/bench/replay.c replays on
/// bare-metal targets under QEMU (its comment has the layout). Weights are stored as the slice the call reads, so
/// the recorded descriptor's weight offset becomes 0.
/// </summary>
internal sealed class RecordingKernelBackend : IKernelBackend
{
    public const int Magic = 0x524C4D54; // "TMLR"

    /// <summary>Kernel ids of the blob, as replay.c numbers them.</summary>
    public const int FullyConnectedId = 1, Conv2DId = 2, DepthwiseConv2DId = 3, AveragePool2DId = 4, MaxPool2DId = 5, AddId = 6,
        MulId = 7, SoftmaxId = 8, MeanId = 9, ConcatId = 10, PadId = 11, LookupId = 12;

    private readonly List<byte[]> _calls = [];

    public string Name => "recording";

    public int Calls => _calls.Count;

    /// <summary>One inference of model on input: the blob, with the managed interpreter's output as the expected bytes.</summary>
    public static byte[] Record(Int8Model model, sbyte[] input)
    {
        var recorder = new RecordingKernelBackend();
        var interpreter = new Interpreter(model, recorder);
        interpreter.SetInput(input, 0);
        byte[] initial = (byte[])(Array)interpreter.Arena.Clone();
        interpreter.Invoke();
        byte[] expected = (byte[])(Array)interpreter.Arena.AsSpan(interpreter.OutputOffset, interpreter.OutputLength).ToArray();

        using var blob = new MemoryStream();
        using var w = new BinaryWriter(blob);
        w.Write(Magic);
        w.Write(1);
        w.Write(initial.Length);
        w.Write(interpreter.OutputOffset);
        w.Write(interpreter.OutputLength);
        w.Write(model.TotalMacs);
        w.Write(recorder._calls.Count);
        w.Write(0); // total bytes, patched below
        WritePadded(w, initial);
        WritePadded(w, expected);
        foreach (byte[] call in recorder._calls)
        {
            w.Write(call);
        }

        w.Flush();
        byte[] bytes = blob.ToArray();
        BitConverter.GetBytes(bytes.Length).CopyTo(bytes, 8 * 4);
        return bytes;
    }

    public bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) =>
        Mac(FullyConnectedId, call, weights, call[InC] * call[OutC], bias, multipliers, shifts);

    public bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) =>
        Mac(Conv2DId, call, weights, call[OutC] * call[KernelH] * call[KernelW] * call[InC], bias, multipliers, shifts);

    public bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) =>
        Mac(DepthwiseConv2DId, call, weights, call[KernelH] * call[KernelW] * call[OutC], bias, multipliers, shifts);

    public bool AveragePool2D(int[] call, sbyte[] arena) => Note(AveragePool2DId, call);

    public bool MaxPool2D(int[] call, sbyte[] arena) => Note(MaxPool2DId, call);

    public bool Add(int[] call, sbyte[] arena, int[] terms) => Note(AddId, call, Bytes(terms));

    public bool Mul(int[] call, sbyte[] arena) => Note(MulId, call);

    public bool Softmax(int[] call, sbyte[] arena, int[] expTable) => Note(SoftmaxId, call, Bytes(expTable));

    public bool Mean(int[] call, sbyte[] arena, int[] sums) => Note(MeanId, call);

    public bool Concat(int[] call, sbyte[] arena, sbyte[] tables) => Note(ConcatId, call, (byte[])(Array)tables);

    public bool Pad(int[] call, sbyte[] arena) => Note(PadId, call);

    public bool Lookup(int[] call, sbyte[] arena, byte[] table)
    {
        int[] copy = (int[])call.Clone();
        copy[Aux] = 0;
        return Note(LookupId, copy, table.AsSpan(call[Aux], 256).ToArray());
    }

    private bool Mac(int id, int[] call, byte[] weights, int count, int[] bias, int[] multipliers, int[] shifts)
    {
        int[] copy = (int[])call.Clone();
        copy[Aux] = 0;
        return Note(id, copy, weights.AsSpan(call[Aux], count).ToArray(), Bytes(bias), Bytes(multipliers), Bytes(shifts));
    }

    /// <summary>Writes the call down and declines it, so the C# kernel runs.</summary>
    private bool Note(int id, int[] call, params byte[][] buffers)
    {
        using var record = new MemoryStream();
        using var w = new BinaryWriter(record);
        w.Write(id);
        w.Write(call.Length);
        foreach (int slot in call)
        {
            w.Write(slot);
        }

        w.Write(buffers.Length);
        foreach (byte[] buffer in buffers)
        {
            w.Write(buffer.Length);
            WritePadded(w, buffer);
        }

        w.Flush();
        _calls.Add(record.ToArray());
        return false;
    }

    private static byte[] Bytes(int[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static void WritePadded(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes);
        for (int i = bytes.Length; i % 4 != 0; i++)
        {
            w.Write((byte)0);
        }
    }
}
