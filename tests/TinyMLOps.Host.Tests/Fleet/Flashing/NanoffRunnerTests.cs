using TinyMLOps.Fleet.Flashing;

namespace TinyMLOps.Host.Tests.Fleet.Flashing;

public sealed class NanoffRunnerTests
{
    [Fact]
    public async Task Finds_tools_on_the_given_PATH_and_the_child_process_sees_the_given_environment()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var tools = new FakeTools().WithNanoff();
        var runner = new NanoffRunner(tools.Environment);

        Assert.Equal(Path.Combine(tools.Bin, "nanoff"), runner.FindOnPath("nanoff"));
        Assert.Equal(Path.Combine(tools.Bin, "nanoff"), runner.FindNanoff());
        Assert.Null(runner.FindOnPath("no-such-tool-here"));
        Assert.Null(new NanoffRunner(new Dictionary<string, string> { ["PATH"] = tools.Home }).FindOnPath("nanoff"));

        var lines = new List<string>();
        ProcessResult result = await runner.RunAsync(runner.FindNanoff()!, ["--update", "--target", "ESP32_C3", "with space"], lines.Add);

        Assert.True(result.Succeeded);
        Assert.Contains(".NET nanoFramework Firmware Flasher (fake)", lines);
        Assert.Equal(["nanoff", "--update", "--target", "ESP32_C3", "with space"], Assert.Single(tools.Calls)); // FAKE_TOOLS_LOG came from the given environment
    }

    [Fact]
    public void Finds_nanoff_in_the_global_tools_folder_when_it_is_not_on_PATH()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var tools = new FakeTools();
        var runner = new NanoffRunner(tools.Environment);
        Assert.Null(runner.FindNanoff());
        Assert.Equal(Path.Combine(tools.Home, ".dotnet", "tools"), runner.GlobalToolsDirectory);

        string installed = Path.Combine(Directory.CreateDirectory(runner.GlobalToolsDirectory).FullName, "nanoff");
        File.Copy(tools.NanoffSource, installed);
        Assert.Null(runner.FindNanoff()); // not executable yet
        File.SetUnixFileMode(installed, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.Equal(installed, runner.FindNanoff());
    }
}
