using Spectre.Console;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Progress lines written on the caller's thread, in order (Progress&lt;T&gt; posts them to the thread pool).</summary>
internal sealed class ConsoleLines(IAnsiConsole console) : IProgress<string>
{
    public void Report(string value) => console.WriteLine(value);
}
