using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Console.Commands.Data;

/// <summary>`data keywords`: the spoken-keyword corpus from espeak-ng and sox (docs/tasks.md, "Keywords").</summary>
internal static class DataKeywordsCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var output = new Option<string>("--out", "-o") { Description = "folder for train/, test/ and corpus.json", Required = true };
        var perClass = new Option<int>("--per-class") { Description = "training clips per class", DefaultValueFactory = _ => 200 };
        var testPerClass = new Option<int?>("--test-per-class") { Description = "test clips per class (default: a quarter of --per-class)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var jobs = new Option<int>("--jobs") { Description = "clips rendered at once (0 = one per core)", DefaultValueFactory = _ => 0 };
        var command = new Command("keywords", "Spoken keywords (yes, no, up, down, left, right, on, off, stop, go, _unknown_, _silence_), 1 s at 16 kHz, from espeak-ng and sox; test speakers held out")
        {
            output, perClass, testPerClass, seed, jobs,
        };
        command.SetAction(parse =>
        {
            int train = parse.GetValue(perClass);
            int test = parse.GetValue(testPerClass) ?? Math.Max(1, (train + 3) / 4);
            string folder = parse.GetValue(output)!;
            var plan = new KeywordCorpusPlan(parse.GetValue(seed), train, test);
            var manifest = KeywordCorpus.Generate(folder, plan, parse.GetValue(jobs), line => console.WriteLine(line));
            console.MarkupLineInterpolated($"wrote {manifest.Files.Count} clips ({train} train and {test} test per class, {manifest.Classes.Count} classes) and {KeywordCorpus.ManifestFile} to {folder}");
            console.MarkupLineInterpolated($"test speakers (held out): {string.Join(", ", manifest.TestSpeakers)}");
            return 0;
        });
        return command;
    }
}
