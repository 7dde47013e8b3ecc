namespace TinyMLOps.Host.Tests.Web.Console;

/// <summary>A fact that drives the console in headless Chromium: skipped, with one line why, when Debian's chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Executable = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Executable))
        {
            Skip = $"{Executable} not found: install Debian's chromium (.ci/setup) to run the browser tests";
        }
    }
}
