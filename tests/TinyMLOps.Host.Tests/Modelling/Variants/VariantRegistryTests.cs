using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Host.Tests.Modelling.Variants;

public sealed class VariantRegistryTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-variants-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Artifacts_are_stored_once_under_their_content_hash_and_each_add_is_a_new_version()
    {
        var (artifact, file) = VariantTestModels.Make(new VariantSpec("mlp-w0.25", "mlp", 0.25), 0.8);
        var registry = VariantRegistry.Open(_dir.FullName);
        var v1 = registry.Add(artifact, file);
        var v2 = registry.Add(artifact with { ReleaseNotes = "same bytes, new notes" }, file);

        Assert.Equal([1, 2], new[] { v1.Version, v2.Version });
        Assert.Single(Directory.GetFiles(Path.Combine(_dir.FullName, "artifacts")));
        Assert.Equal(file, registry.ReadFile(v2));

        var reopened = VariantRegistry.Open(_dir.FullName);
        Assert.Equal(2, reopened.Versions.Count);
        Assert.Equal(2, Assert.Single(reopened.Latest).Version);
        Assert.Equal("same bytes, new notes", reopened.Find("mlp-w0.25")!.ReleaseNotes);
        Assert.Equal(artifact.Summary.Macs, reopened.Find("mlp-w0.25", 1)!.Summary.Macs);
    }

    [Fact]
    public void An_artifact_whose_bytes_do_not_match_its_hash_is_refused()
    {
        var (artifact, file) = VariantTestModels.Make(new VariantSpec("mlp-w0.25", "mlp", 0.25), 0.8);
        var (_, other) = VariantTestModels.Make(new VariantSpec("mlp-w1", "mlp", 1), 0.8);
        var registry = VariantRegistry.Open(_dir.FullName);
        var e = Assert.Throws<InvalidDataException>(() => registry.Add(artifact, other));
        Assert.Contains("content hash", e.Message);
        Assert.Empty(registry.Versions);

        var stored = registry.Add(artifact, file);
        File.WriteAllBytes(Directory.GetFiles(Path.Combine(_dir.FullName, "artifacts"))[0], other);
        Assert.Throws<InvalidDataException>(() => registry.ReadFile(stored));
    }
}
