using System.Diagnostics;

namespace TinyMLOps.Simulation.Signals;

/// <summary>The command-line audio tools the keyword corpus runs: found on PATH, each named with its Debian package.</summary>
public static class AudioTools
{
    public const string Espeak = "espeak-ng";
    public const string Sox = "sox";

    /// <summary>Throws one line naming the package to install when a tool is not on PATH.</summary>
    public static void Require(params string[] tools)
    {
        foreach (string tool in tools)
        {
            if (Find(tool) == null)
            {
                throw new InvalidOperationException($"{tool} not found on PATH: install the Debian package {tool} (apt-get install {tool})");
            }
        }
    }

    public static bool Available(params string[] tools) => tools.All(t => Find(t) != null);

    /// <summary>The first line of `tool --version` without the data path, e.g. "SoX v14.4.2".</summary>
    public static string Version(string tool)
    {
        string text = Run(tool, ["--version"]);
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        int data = line.IndexOf("Data at:", StringComparison.Ordinal);
        line = data > 0 ? line[..data].Trim() : line;
        return line.StartsWith("sox:", StringComparison.Ordinal) ? line[4..].Trim() : line;
    }

    /// <summary>Runs a tool to the end; a non-zero exit throws with its error output. Returns its standard output.</summary>
    public static string Run(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {error.Result.Trim()}");
        }

        return output;
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool))
            .FirstOrDefault(File.Exists);
}
