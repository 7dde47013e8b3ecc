using System.Text.Json;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Modelling.Variants;

/// <summary>
/// Immutable, content-addressed variant artifacts in a folder: each model file is stored once under its
/// content hash (artifacts/{hash}.tmlm, never overwritten), and index.json lists the versions of each
/// variant with their accuracy, cost summary and release notes. Adding a variant id again adds a version. The
/// watermark key of a marked artifact is kept under watermarks/{hash}.json, readable by the owner only.
/// </summary>
public sealed class VariantRegistry
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _root;
    private readonly List<VariantArtifact> _versions;

    private VariantRegistry(string root, List<VariantArtifact> versions)
    {
        _root = root;
        _versions = versions;
    }

    public string Root => _root;

    /// <summary>Every version of every variant, oldest first.</summary>
    public IReadOnlyList<VariantArtifact> Versions => _versions;

    /// <summary>The newest version of each variant.</summary>
    public IReadOnlyList<VariantArtifact> Latest =>
        _versions.GroupBy(v => v.VariantId).Select(g => g.MaxBy(v => v.Version)!).OrderBy(v => v.VariantId, StringComparer.Ordinal).ToList();

    public static VariantRegistry Open(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "artifacts"));
        string index = Path.Combine(root, "index.json");
        var versions = File.Exists(index)
            ? JsonSerializer.Deserialize<List<VariantArtifact>>(File.ReadAllText(index), Json) ?? throw new InvalidDataException($"{index} is empty")
            : [];
        return new VariantRegistry(root, versions);
    }

    /// <summary>Stores the file under its hash (verified against the model's own content hash) and records a new version.</summary>
    public VariantArtifact Add(VariantArtifact artifact, byte[] file)
    {
        var model = ModelReader.Read(file);
        string hash = Convert.ToHexStringLower(model.ContentHash);
        if (hash != artifact.ContentHash)
        {
            throw new InvalidDataException($"{artifact.VariantId}: the file's content hash {hash[..12]}… is not the artifact's {artifact.ContentHash[..Math.Min(12, artifact.ContentHash.Length)]}…");
        }

        string path = ArtifactPath(hash);
        if (File.Exists(path))
        {
            if (!File.ReadAllBytes(path).AsSpan().SequenceEqual(file))
            {
                throw new InvalidDataException($"artifact {hash} exists with different bytes");
            }
        }
        else
        {
            string temp = path + ".tmp";
            File.WriteAllBytes(temp, file);
            File.Move(temp, path);
        }

        int version = _versions.Where(v => v.VariantId == artifact.VariantId).Select(v => v.Version).DefaultIfEmpty(0).Max() + 1;
        var stored = artifact with { Version = version };
        _versions.Add(stored);
        Save();
        return stored;
    }

    public VariantArtifact? Find(string variantId, int? version = null) =>
        _versions.Where(v => v.VariantId == variantId && (version == null || v.Version == version)).MaxBy(v => v.Version);

    /// <summary>The artifact's bytes, checked against its address.</summary>
    public byte[] ReadFile(VariantArtifact artifact)
    {
        byte[] file = File.ReadAllBytes(ArtifactPath(artifact.ContentHash));
        if (Convert.ToHexStringLower(ModelReader.Read(file).ContentHash) != artifact.ContentHash)
        {
            throw new InvalidDataException($"artifact {artifact.ContentHash} is corrupt on disk");
        }

        return file;
    }

    /// <summary>Keeps the secret watermark key of a stored artifact (owner-only file where the OS has modes).</summary>
    public void SaveWatermarkKey(VariantArtifact artifact, WatermarkKey key)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(key);
        string dir = Path.Combine(_root, "watermarks");
        Directory.CreateDirectory(dir);
        string path = WatermarkPath(artifact.ContentHash);
        string temp = path + ".tmp";
        File.WriteAllText(temp, key.ToJson());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The watermark key of an artifact, or null when it was not marked.</summary>
    public WatermarkKey? WatermarkKeyFor(VariantArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        string path = WatermarkPath(artifact.ContentHash);
        return File.Exists(path) ? WatermarkKey.Load(path) : null;
    }

    /// <summary>Every version that has a watermark key, oldest first.</summary>
    public IReadOnlyList<(VariantArtifact Artifact, WatermarkKey Key)> WatermarkKeys() =>
        [.. _versions.Select(v => (v, WatermarkKeyFor(v))).Where(p => p.Item2 != null).Select(p => (p.v, p.Item2!))];

    private string WatermarkPath(string hash) => Path.Combine(_root, "watermarks", hash + ".json");

    private string ArtifactPath(string hash) => Path.Combine(_root, "artifacts", hash + ".tmlm");

    private void Save()
    {
        string index = Path.Combine(_root, "index.json");
        File.WriteAllText(index + ".tmp", JsonSerializer.Serialize(_versions, Json));
        File.Move(index + ".tmp", index, overwrite: true);
    }
}
