using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Queries;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant ls`: the registry's variants, newest version of each, with accuracy and cost on every board.</summary>
internal static class VariantListCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var markdown = new Option<bool>("--markdown") { Description = "print one Markdown table per board and the gain over one model for every board (for docs/benchmarks.md)" };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "write one Pareto plot per board (PNG) here, e.g. docs/img" };
        var output = JsonOutput.Option();
        var command = new Command("ls", "Variants in the registry, newest version of each, with accuracy and cost on every board") { registry, markdown, plots, output };
        command.SetAction(parse =>
        {
            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            if (reg.Latest.Count == 0)
            {
                throw new InvalidOperationException($"no variants in {Path.GetFullPath(reg.Root)}: run `tinymlops variant build` first");
            }

            bool json = JsonOutput.Wanted(parse.GetValue(output));
            if (json && (parse.GetValue(markdown) || parse.GetValue(plots) != null))
            {
                // Stdout holds one JSON document, nothing else.
                throw new ArgumentException("--output json prints only the document: use --markdown or --plots without it");
            }

            if (parse.GetValue(plots) is { } dir)
            {
                WritePlots(console, reg, dir);
            }

            if (parse.GetValue(markdown))
            {
                parse.InvocationConfiguration.Output.Write(VariantView.Markdown(reg.Latest, BoardCatalog.Default.Boards, new SelectionPolicy()));
                return 0;
            }

            if (json)
            {
                JsonOutput.Write(console, new { variants = VariantQueries.List(reg, BoardCatalog.Default.Boards, new SelectionPolicy()) });
                return 0;
            }

            VariantView.Render(console, reg.Latest, BoardCatalog.Default.Boards, new SelectionPolicy());
            return 0;
        });
        return command;
    }
}
