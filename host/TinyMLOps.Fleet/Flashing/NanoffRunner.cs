using System.Diagnostics;
using TinyMLOps.Modelling;

namespace TinyMLOps.Fleet.Flashing;

/// <summary>What a child process did: its exit code and everything it printed (stdout and stderr, interleaved by line).</summary>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A flash step that failed: which one, its exit code and what it printed.</summary>
public sealed class FlashStepException : Exception
{
    public FlashStepException(FlashStep step, ProcessResult result)
        : base(Describe(step, result))
    {
        Step = step;
        Result = result;
    }

    public FlashStep Step { get; }

    public ProcessResult Result { get; }

    /// <summary>Which step failed and how, without the output (for a log that has shown it already).</summary>
    public string Summary => Summarize(Step, Result);

    private static string Summarize(FlashStep step, ProcessResult result) =>
        $"{step.Description} failed: `{step.CommandLine}` exited with {result.ExitCode}.";

    private static string Describe(FlashStep step, ProcessResult result)
    {
        IEnumerable<string> tail = result.Output.Count > 40 ? ["…", .. result.Output.Skip(result.Output.Count - 40)] : result.Output;
        string output = result.Output.Count == 0 ? " It printed nothing." : " Its output:" + Environment.NewLine + string.Join(Environment.NewLine, tail);
        return Summarize(step, result) + output;
    }
}

/// <summary>
/// Finds and runs the flashing tools (nanoff, dotnet) in a given environment: PATH is searched here, in that
/// environment (not the caller's), and every child process gets the whole environment, so a test can put fake tools
/// on a temporary PATH without touching its own process.
/// </summary>
public sealed class NanoffRunner
{
    private readonly Dictionary<string, string> _environment;

    /// <param name="environment">Variables that replace the current process's (e.g. PATH, HOME); null keeps it as is.</param>
    public NanoffRunner(IReadOnlyDictionary<string, string>? environment = null)
    {
        _environment = EnvironmentVariables.Current(environment);
    }

    /// <summary>The environment the child processes get.</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>The folder `dotnet tool install -g` puts tools in: $DOTNET_CLI_HOME/.dotnet/tools, else ~/.dotnet/tools.</summary>
    public string GlobalToolsDirectory
    {
        get
        {
            string home = Variable("DOTNET_CLI_HOME") ?? Variable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME")
                ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".dotnet", "tools");
        }
    }

    /// <summary>The full path of <paramref name="program"/> on PATH (with PATHEXT on Windows); null if it is not there.</summary>
    public string? FindOnPath(string program)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        if (Path.IsPathRooted(program) || program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }

        foreach (string dir in (Variable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string candidate in Candidates(Path.Combine(dir.Trim('"'), program)))
            {
                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>nanoff on PATH, else in the global tools folder (where `dotnet tool install -g` puts it); null if neither.</summary>
    public string? FindNanoff()
    {
        if (FindOnPath("nanoff") is { } onPath)
        {
            return onPath;
        }

        return Candidates(Path.Combine(GlobalToolsDirectory, "nanoff")).FirstOrDefault(IsExecutable);
    }

    /// <summary>Runs a program to completion, passing every output line to <paramref name="onOutput"/> as it comes.</summary>
    public async Task<ProcessResult> RunAsync(string executable, IReadOnlyList<string> arguments, Action<string>? onOutput = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Clear();
        foreach ((string key, string value) in _environment)
        {
            start.Environment[key] = value;
        }

        var lines = new List<string>();
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data == null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
                onOutput?.Invoke(e.Data);
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {executable}: {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // drains the redirected streams
        lock (lines)
        {
            return new ProcessResult(process.ExitCode, lines.ToList());
        }
    }

    private string? Variable(string name) => _environment.TryGetValue(name, out string? v) && v.Length > 0 ? v : null;

    private IEnumerable<string> Candidates(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            yield return path;
            yield break;
        }

        foreach (string ext in (Variable("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return path + ext.ToLowerInvariant();
        }

        yield return path;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
