using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>
/// An in-memory <see cref="IStorage"/> that can cut the power during any mutation: <see cref="CutPowerAt"/>
/// names the mutation (by its index in <see cref="Journal"/>) and how many of its bytes reach the flash; the
/// call then throws <see cref="PowerLossException"/>. Rename is atomic unless
/// <see cref="RenameDeletesTargetFirst"/> is set, in which case a cut rename leaves the target deleted and the
/// source in place (what a FAT-style delete-then-move does).
/// </summary>
public sealed class MemoryStorage : IStorage
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private int _cutAt = -1;
    private int _keepBytes;

    public List<StorageOp> Journal { get; } = [];

    public bool RenameDeletesTargetFirst { get; set; }

    public IReadOnlyCollection<string> Names => _files.Keys;

    /// <summary>The mutation with this journal index writes only its first keepBytes bytes, then the power goes.</summary>
    public void CutPowerAt(int mutationIndex, int keepBytes)
    {
        _cutAt = mutationIndex;
        _keepBytes = keepBytes;
    }

    /// <summary>The next mutation is cut after keepBytes bytes.</summary>
    public void CutNextWrite(int keepBytes) => CutPowerAt(Journal.Count, keepBytes);

    public MemoryStorage Clone()
    {
        var copy = new MemoryStorage { RenameDeletesTargetFirst = RenameDeletesTargetFirst };
        foreach (var (name, data) in _files)
        {
            copy._files[name] = (byte[])data.Clone();
        }

        return copy;
    }

    /// <summary>Flips the bits of one stored byte (flash rot, a bad sector).</summary>
    public void Corrupt(string name, int offset) => _files[name][offset] ^= 0xFF;

    public bool Exists(string name) => _files.ContainsKey(name);

    public int Length(string name) => _files.TryGetValue(name, out var data) ? data.Length : -1;

    public byte[]? ReadAll(string name) => _files.TryGetValue(name, out var data) ? (byte[])data.Clone() : null;

    public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
    {
        if (!_files.TryGetValue(name, out var data) || offset >= data.Length)
        {
            return 0;
        }

        int n = Math.Min(count, data.Length - offset);
        Array.Copy(data, offset, buffer, bufferOffset, n);
        return n;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        int keep = Begin("append", name, count);
        byte[] old = _files.TryGetValue(name, out var existing) ? existing : [];
        byte[] grown = new byte[old.Length + keep];
        Array.Copy(old, grown, old.Length);
        Array.Copy(data, offset, grown, old.Length, keep);
        _files[name] = grown;
        End(keep, count);
    }

    public void WriteAll(string name, byte[] data)
    {
        int keep = Begin("write", name, data.Length);
        _files[name] = data.AsSpan(0, keep).ToArray();
        End(keep, data.Length);
    }

    public void Truncate(string name, int length)
    {
        int keep = Begin("truncate", name, 1);
        if (keep == 1)
        {
            _files[name] = _files[name].AsSpan(0, length).ToArray();
        }

        End(keep, 1);
    }

    public void Delete(string name)
    {
        int keep = Begin("delete", name, 1);
        if (keep == 1)
        {
            _files.Remove(name);
        }

        End(keep, 1);
    }

    public void Rename(string from, string to)
    {
        int keep = Begin("rename", from + ">" + to, 1);
        if (!_files.TryGetValue(from, out var data))
        {
            throw new IOException(from + " does not exist");
        }

        if (keep == 1)
        {
            _files.Remove(from);
            _files[to] = data;
        }
        else if (RenameDeletesTargetFirst)
        {
            _files.Remove(to);
        }

        End(keep, 1);
    }

    private int Begin(string operation, string name, int count)
    {
        bool cut = Journal.Count == _cutAt;
        Journal.Add(new StorageOp(operation, name, count));
        return cut ? Math.Min(_keepBytes, count) : count;
    }

    private void End(int kept, int count)
    {
        if (Journal.Count - 1 == _cutAt)
        {
            _cutAt = -1;
            throw new PowerLossException("power lost after " + kept + " of " + count + " bytes");
        }
    }
}
