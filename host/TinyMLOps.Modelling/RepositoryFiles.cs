namespace TinyMLOps.Modelling;

/// <summary>Finds files the repository ships (board profiles, the demo's data subset) from bin/ or a checkout.</summary>
public static class RepositoryFiles
{
    /// <summary>
    /// The nearest folder at <paramref name="relativePath"/> that satisfies <paramref name="accept"/>, walking up
    /// from <see cref="AppContext.BaseDirectory"/> (builds copy shipped files next to the binaries) and then from
    /// the current directory; null if none.
    /// </summary>
    public static string? FindDirectory(string relativePath, Func<string, bool> accept)
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (Directory.Exists(candidate) && accept(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
