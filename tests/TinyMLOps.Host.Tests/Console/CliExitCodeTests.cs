using System.Net;
using System.Net.Sockets;
using TinyMLOps.Console;

namespace TinyMLOps.Host.Tests.Console;

/// <summary>Exit codes a script can rely on: 0 ok, 1 failure, 2 usage, 3 store or broker unreachable; one line unless --verbose.</summary>
public sealed class CliExitCodeTests : ConsoleTest
{
    [Fact]
    public void A_closed_database_port_gives_exit_3_and_one_line_without_a_stack_trace()
    {
        int port = ClosedPort();
        Assert.Equal(Cli.ExitUnreachable, Run("fleet", "ls", "--postgres", $"Host=127.0.0.1;Port={port};Username=u;Password=p;Database=d;Timeout=3"));
        string text = Out.ToString();
        Assert.Contains("PostgreSQL store is unreachable", text);
        Assert.DoesNotContain("   at ", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void With_verbose_the_failure_comes_with_its_stack_trace()
    {
        int port = ClosedPort();
        Assert.Equal(Cli.ExitUnreachable, Run("fleet", "ls", "--verbose", "--postgres", $"Host=127.0.0.1;Port={port};Username=u;Password=p;Database=d;Timeout=3"));
        Assert.Contains("   at ", Out.ToString());
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error_with_exit_2()
    {
        Assert.Equal(Cli.ExitUsage, Run("fleet", "ls", "--no-such-option"));
        Assert.Contains("--no-such-option", Out.ToString());
        Assert.Contains("fleet ls --help", Flat());
    }

    [Fact]
    public void A_bad_input_file_is_a_failure_with_exit_1_and_one_line()
    {
        string bad = Path.Combine(Dir.FullName, "bad.tmlm");
        File.WriteAllBytes(bad, [1, 2, 3]);
        Assert.Equal(Cli.ExitFailure, Run("model", "inspect", bad));
        Assert.DoesNotContain("   at ", Out.ToString());
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
