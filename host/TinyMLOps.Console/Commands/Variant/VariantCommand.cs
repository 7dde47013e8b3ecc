using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant build|add|ls|show|explain|rollout|rollouts|rollback|pause|resume|abort|fleet`: the model family per board, the choice made for each device, and staged rollouts.</summary>
internal static class VariantCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var variant = new Command("variant", "Model variants per board and power state");
        variant.Subcommands.Add(VariantBuildCommand.Build(console));
        variant.Subcommands.Add(VariantAddCommand.Build(console));
        variant.Subcommands.Add(VariantListCommand.Build(console));
        variant.Subcommands.Add(VariantShowCommand.Build(console));
        variant.Subcommands.Add(VariantExplainCommand.Build(console));
        variant.Subcommands.Add(VariantRolloutCommand.Build(console));
        variant.Subcommands.Add(VariantRolloutsCommand.Build(console));
        variant.Subcommands.Add(VariantRollbackCommand.Build(console));
        variant.Subcommands.Add(VariantHoldCommand.Pause(console));
        variant.Subcommands.Add(VariantHoldCommand.Resume(console));
        variant.Subcommands.Add(VariantHoldCommand.Abort(console));
        variant.Subcommands.Add(VariantFleetCommand.Build(console));
        return variant;
    }

    public static Option<string> Registry() => RegistryOption.Create("variant registry folder");

    public static void WritePlots(IAnsiConsole console, VariantRegistry reg, DirectoryInfo dir)
    {
        dir.Create();
        foreach (var board in BoardCatalog.Default.Boards)
        {
            var selection = VariantSelector.Select(TinyMLOps.Web.Queries.VariantQueries.NominalDevice(board), board, reg.Latest, new SelectionPolicy());
            Plots.VariantPareto(Path.Combine(dir.FullName, $"variants-{board.Id}.png"), selection);
        }

        console.MarkupLineInterpolated($"Pareto plots in {dir.FullName}");
    }
}
