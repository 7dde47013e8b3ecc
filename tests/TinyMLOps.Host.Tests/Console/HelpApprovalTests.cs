using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Text;
using Spectre.Console;
using TinyMLOps.Console;
using TinyMLOps.Modelling;

namespace TinyMLOps.Host.Tests.Console;

/// <summary>The variables whose values the help shows as defaults; tests that clear them run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>
/// `--help` of the root and of every command below it, against Approved/help.approved.txt (one section per command
/// path). On a mismatch the test writes Approved/help.received.txt (git-ignored) and names the first differing line:
/// review the received file and, if the change is meant, copy it over the approved one.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class HelpApprovalTests
{
    private const string RootName = "tinymlops";
    private const int Width = 100;
    private const string ApprovedFolder = "tests/TinyMLOps.Host.Tests/Console/Approved";

    // Their values would show as defaults: the help is approved as it reads with none of them set.
    private static readonly string[] Variables = ["TINYMLOPS_DB", "TINYMLOPS_POSTGRES", "TINYMLOPS_VARIANTS"];

    [Fact]
    public void Help_of_every_command_matches_the_approved_text()
    {
        string received = HelpOfEveryCommand();
        string folder = RepositoryFiles.FindDirectory(ApprovedFolder, _ => true)
            ?? throw new DirectoryNotFoundException($"{ApprovedFolder} not found above {AppContext.BaseDirectory}");
        string approvedPath = Path.Combine(folder, "help.approved.txt");
        string receivedPath = Path.Combine(folder, "help.received.txt");
        string approved = File.Exists(approvedPath) ? Normalise(File.ReadAllText(approvedPath)) : string.Empty;
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        Assert.Fail(DiffHint(approved, received, approvedPath, receivedPath));
    }

    private static string HelpOfEveryCommand()
    {
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            foreach (string v in Variables)
            {
                Environment.SetEnvironmentVariable(v, null);
            }

            // Help titles are localised and defaults are formatted: both as in the invariant culture.
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            var root = Cli.Build(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }));
            var help = (HelpAction)root.Options.OfType<HelpOption>().Single().Action!;
            help.MaxWidth = Width;
            var text = new StringBuilder();
            foreach (string[] path in Paths(root, []))
            {
                var output = new StringWriter();
                int exit = root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
                Assert.Equal(0, exit);

                // The root is named after the process (testhost here): name it as the installed tool is named.
                string body = output.ToString().Replace($"  {root.Name} ", $"  {RootName} ", StringComparison.Ordinal);
                text.Append("## ").AppendJoin(' ', [RootName, .. path]).Append('\n').Append(Normalise(body)).Append('\n');
            }

            return Normalise(text.ToString());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
            foreach (var (v, value) in saved)
            {
                Environment.SetEnvironmentVariable(v, value);
            }
        }
    }

    /// <summary>Every command path below <paramref name="command"/>, itself first, subcommands in the order the tree has them.</summary>
    private static IEnumerable<string[]> Paths(Command command, string[] path) =>
        new[] { path }.Concat(command.Subcommands.SelectMany(c => Paths(c, [.. path, c.Name])));

    /// <summary>Line ends as \n and no trailing blanks, so that editors and checkouts do not matter.</summary>
    private static string Normalise(string text) =>
        string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n') + "\n";

    private static string DiffHint(string approved, string received, string approvedPath, string receivedPath)
    {
        string[] a = approved.Split('\n'), r = received.Split('\n');
        int line = Enumerable.Range(0, Math.Min(a.Length, r.Length)).FirstOrDefault(i => a[i] != r[i], Math.Min(a.Length, r.Length));
        string section = r.Take(line + 1).LastOrDefault(l => l.StartsWith("## ", StringComparison.Ordinal)) ?? "(start)";
        return $"""
            help differs from the approved text at line {line + 1}, in section {section}:
              approved: {(line < a.Length ? a[line] : "(end of file)")}
              received: {(line < r.Length ? r[line] : "(end of file)")}
            review {receivedPath}
            and if the change is meant: cp {receivedPath} {approvedPath}
            """;
    }
}
