namespace TinyMLOps.Host.Tests.Fleet.Flashing;

/// <summary>
/// A temporary PATH with a fake `nanoff` (and optionally a fake `dotnet` that "installs" it into HOME/.dotnet/tools)
/// that record every call, one line each: the program, then its arguments, tab-separated. The scripts are POSIX sh;
/// the tests that run them return early on Windows. Nothing here touches this process's environment: the code under
/// test gets <see cref="Environment"/> and must pass it to the processes it starts.
/// </summary>
internal sealed class FakeTools : IDisposable
{
    private const string Recorder = """
        #!/bin/sh
        { printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >> "$FAKE_TOOLS_LOG"
        """;

    private const string Nanoff = Recorder + """

        echo ".NET nanoFramework Firmware Flasher (fake)"
        case "$*" in
          *--filedeployment*|*"deploy --file"*) echo "Deploying files... OK" ;;
        esac
        if [ -n "$FAKE_NANOFF_FAIL_ON" ]; then
          case "$*" in
            *"$FAKE_NANOFF_FAIL_ON"*) echo "Error E5002: Couldn't connect to specified JTAG device."; exit 5 ;;
          esac
        fi
        exit 0
        """;

    private const string Dotnet = Recorder + """

        if [ "$*" = "tool install -g nanoff" ]; then
          mkdir -p "$HOME/.dotnet/tools"
          cat "$FAKE_NANOFF_SOURCE" > "$HOME/.dotnet/tools/nanoff"
          chmod +x "$HOME/.dotnet/tools/nanoff"
          echo "Tool 'nanoff' (version '9.9.9') was successfully installed."
          exit 0
        fi
        echo "fake dotnet: unexpected $*"
        exit 1
        """;

    public FakeTools()
    {
        Root = Directory.CreateTempSubdirectory("tinymlops-fake-tools-").FullName;
        Bin = Directory.CreateDirectory(Path.Combine(Root, "bin")).FullName;
        Home = Directory.CreateDirectory(Path.Combine(Root, "home")).FullName;
        NanoffSource = Path.Combine(Root, "nanoff.sh");
        File.WriteAllText(NanoffSource, Nanoff.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        Environment = new Dictionary<string, string>
        {
            ["PATH"] = Bin + Path.PathSeparator + "/usr/bin" + Path.PathSeparator + "/bin",
            ["HOME"] = Home,
            ["DOTNET_CLI_HOME"] = string.Empty,
            ["FAKE_TOOLS_LOG"] = LogPath,
            ["FAKE_NANOFF_SOURCE"] = NanoffSource,
            ["FAKE_NANOFF_FAIL_ON"] = string.Empty,
        };
    }

    public string Root { get; }

    public string Bin { get; }

    public string Home { get; }

    public string NanoffSource { get; }

    public string LogPath => Path.Combine(Root, "calls.log");

    /// <summary>What the code under test gives its child processes.</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>Every recorded call, in order: [program, arg1, arg2, ...].</summary>
    public IReadOnlyList<string[]> Calls => File.Exists(LogPath)
        ? File.ReadAllLines(LogPath).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList()
        : [];

    /// <summary>Puts nanoff on the PATH.</summary>
    public FakeTools WithNanoff()
    {
        Executable(Path.Combine(Bin, "nanoff"), File.ReadAllText(NanoffSource));
        return this;
    }

    /// <summary>Puts a dotnet on the PATH whose `tool install -g nanoff` installs the fake nanoff into HOME/.dotnet/tools.</summary>
    public FakeTools WithDotnet()
    {
        Executable(Path.Combine(Bin, "dotnet"), Dotnet.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        return this;
    }

    /// <summary>nanoff exits 5 with an error message when its arguments contain <paramref name="fragment"/>.</summary>
    public FakeTools FailingOn(string fragment)
    {
        Environment["FAKE_NANOFF_FAIL_ON"] = fragment;
        return this;
    }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
