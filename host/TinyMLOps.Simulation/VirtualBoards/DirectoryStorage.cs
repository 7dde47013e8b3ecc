using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>A virtual board's flash: one folder, one file per name, flushed to disk on every write.</summary>
public sealed class DirectoryStorage : IStorage
{
    private readonly string _root;

    public DirectoryStorage(string root)
    {
        _root = root;
        Directory.CreateDirectory(root);
    }

    public string Root => _root;

    /// <summary>Bytes held by all files, as a flash file system would count them.</summary>
    public long UsedBytes() => Directory.EnumerateFiles(_root).Sum(f => new FileInfo(f).Length);

    public bool Exists(string name) => File.Exists(PathOf(name));

    public int Length(string name)
    {
        var info = new FileInfo(PathOf(name));
        return info.Exists ? (int)info.Length : -1;
    }

    public byte[]? ReadAll(string name) => File.Exists(PathOf(name)) ? File.ReadAllBytes(PathOf(name)) : null;

    public int Read(string name, int offset, byte[] buffer, int bufferOffset, int count)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        int total = 0;
        while (total < count)
        {
            int n = stream.Read(buffer, bufferOffset + total, count - total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(data, offset, count);
        stream.Flush(flushToDisk: true);
    }

    public void WriteAll(string name, byte[] data)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Create, FileAccess.Write, FileShare.Read);
        stream.Write(data, 0, data.Length);
        stream.Flush(flushToDisk: true);
    }

    public void Truncate(string name, int length)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Write, FileShare.Read);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    public void Delete(string name)
    {
        File.Delete(PathOf(name));
    }

    public void Rename(string from, string to) => File.Move(PathOf(from), PathOf(to), overwrite: true);

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a plain file name");
        }

        return Path.Combine(_root, name);
    }
}
