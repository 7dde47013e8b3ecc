using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Modelling.Variants;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant show ID`: every version of one variant, its layers, artifact hash and release notes.</summary>
internal static class VariantShowCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var id = new Argument<string>("id") { Description = "variant id" };
        var command = new Command("show", "One variant: every version, its layers, artifact hash and release notes") { id, registry };
        command.SetAction(parse =>
        {
            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            var versions = reg.Versions.Where(v => v.VariantId == parse.GetValue(id)).ToList();
            if (versions.Count == 0)
            {
                throw new ArgumentException($"no variant '{parse.GetValue(id)}' (see `tinymlops variant ls`)");
            }

            foreach (var v in versions)
            {
                console.Write(new Rule($"{v.VariantId} v{v.Version}"));
                console.MarkupLineInterpolated($"artifact sha256:{v.ContentHash}, {v.Summary.FlashBytes:N0} B flash, {v.Summary.ArenaBytes:N0} B arena, {v.Summary.Macs:N0} MACs");
                console.MarkupLineInterpolated($"accuracy {v.Accuracy:P2} on {v.HeldOutImages:N0} held-out images; created {v.CreatedAt:u}");
                console.MarkupLineInterpolated($"notes: {v.ReleaseNotes}");
                var layers = new Table().AddColumns("#", "op", "output", "MACs", "parameter bytes");
                foreach (var l in v.Summary.Layers)
                {
                    layers.AddRow(l.Index.ToString(), l.Op, l.Output, l.Macs.ToString("N0"), l.ParameterBytes.ToString("N0"));
                }

                console.Write(layers);
            }

            return 0;
        });
        return command;
    }
}
