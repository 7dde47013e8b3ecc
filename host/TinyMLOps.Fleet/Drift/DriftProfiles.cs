using System.Collections.Concurrent;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Fleet.Drift;

/// <summary>
/// Where the host finds a variant's reference profile: inside its model file in the variant registry (the newest
/// version of the variant id, since a window names the variant but not its version), or a fixed set for tests and
/// benchmarks.
/// </summary>
public sealed class DriftProfiles
{
    private readonly Func<string, DriftProfile?> _find;
    private readonly ConcurrentDictionary<string, DriftProfile> _cache = new(StringComparer.Ordinal);

    private DriftProfiles(Func<string, DriftProfile?> find)
    {
        _find = find;
    }

    public static DriftProfiles None { get; } = new(_ => null);

    public static DriftProfiles FromRegistry(VariantRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return new DriftProfiles(id => registry.Find(id) is { } artifact ? ModelReader.Read(registry.ReadFile(artifact)).DriftProfile : null);
    }

    /// <summary>Profiles of model files, by their variant ids.</summary>
    public static DriftProfiles FromModels(IEnumerable<byte[]> modelFiles)
    {
        var byVariant = new Dictionary<string, DriftProfile?>(StringComparer.Ordinal);
        foreach (byte[] file in modelFiles)
        {
            var model = ModelReader.Read(file);
            byVariant[model.VariantId ?? model.ModelId ?? string.Empty] = model.DriftProfile;
        }

        return new DriftProfiles(id => byVariant.GetValueOrDefault(id));
    }

    /// <summary>The profile, or null (not cached, so a variant registered later is found).</summary>
    public DriftProfile? Find(string variantId)
    {
        variantId ??= string.Empty;
        if (_cache.TryGetValue(variantId, out var cached))
        {
            return cached;
        }

        DriftProfile? found = _find(variantId);
        if (found != null)
        {
            _cache[variantId] = found;
        }

        return found;
    }
}
