using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Rendering;

/// <summary>A federated round drawn for `round status` (redrawn live with --watch), and the cells `round history` shares.</summary>
internal static class RoundView
{
    /// <summary>The round as one renderable: header, progress bars, participants, and the gate per class once evaluated.</summary>
    public static IRenderable View(RoundStatus status, DateTimeOffset now)
    {
        var r = status.Round;
        var result = status.Result;
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]round {Markup.Escape(r.RoundId)}[/]  {StateMarkup(r.State)}  {Markup.Escape(r.Reason)}"),
            new Markup(Markup.Escape($"base {r.BaseVariantId} v{r.BaseVersion} on the {VariantAssignment.RoleName(r.Role)} role, {status.Config.Strategy}, {status.Config.Layers} layer(s), keep {status.Config.KeepFraction:P0}, deadline {r.Deadline:u}"
                + (RoundStates.IsFinished(r.State) ? string.Empty : $" ({Remaining(r.Deadline - now)} left)"))),
        };
        int invited = status.Participants.Count;
        int responded = status.Participants.Count(p => p.State != ParticipantStates.Invited);
        int uploaded = status.Participants.Count(p => p.State == ParticipantStates.Uploaded);
        var bars = new BreakdownChart().Width(60)
            .AddItem("uploaded", uploaded, Color.Green)
            .AddItem("accepted", status.Participants.Count(p => p.State == ParticipantStates.Accepted), Color.Yellow)
            .AddItem("invited", status.Participants.Count(p => p.State == ParticipantStates.Invited), Color.Grey)
            .AddItem("declined", status.Participants.Count(p => p.State == ParticipantStates.Declined), Color.Orange1)
            .AddItem("rejected", status.Participants.Count(p => p.State == ParticipantStates.Rejected), Color.Red)
            .AddItem("stragglers", status.Participants.Count(p => p.State == ParticipantStates.Straggler), Color.Maroon);
        if (invited > 0)
        {
            rows.Add(new Markup($"devices: {responded}/{invited} answered, {uploaded} delta(s) of {status.Config.MinParticipants} needed, {Bytes(status.Participants.Sum(p => p.DeltaBytes ?? 0))} uplink"));
            rows.Add(bars);
        }

        var table = new Table().AddColumns("device", "state", "samples", "delta", "detail");
        foreach (var p in status.Participants)
        {
            table.AddRow(TerminalText.Markup(p.DeviceId), TerminalText.Markup(p.State), p.SampleCount?.ToString(CultureInfo.InvariantCulture) ?? "-", p.DeltaBytes is { } b ? Bytes(b) : "-", TerminalText.Markup(p.Detail));
        }

        if (invited > 0)
        {
            rows.Add(table);
        }

        if (result.CandidateAccuracy is { } candidate && result.CurrentAccuracy is { } current)
        {
            rows.Add(new Markup($"held-out accuracy: current {current:P2}, candidate {candidate:P2} ({(candidate - current) * 100:+0.00;-0.00} points); update norm {result.UpdateNorm:G3}; {Markup.Escape(result.Strategy)} over {result.ClientsUsed} update(s)"
                + (result.Epsilon is { } eps ? $", ε = {eps:0.00}" : string.Empty)));
            var classes = new Table().AddColumns("class", "current", "candidate", "change");
            for (int c = 0; c < result.Labels.Count && c < result.CurrentPerClass.Count && c < result.CandidatePerClass.Count; c++)
            {
                double change = (result.CandidatePerClass[c] - result.CurrentPerClass[c]) * 100;
                string color = change < -status.Config.MaxClassDropPoints ? "red" : change < 0 ? "yellow" : "green";
                classes.AddRow(Markup.Escape(result.Labels[c]), $"{result.CurrentPerClass[c]:P1}", $"{result.CandidatePerClass[c]:P1}", $"[{color}]{change:+0.00;-0.00}[/]");
            }

            rows.Add(classes);
            foreach (var reason in result.GateReasons)
            {
                rows.Add(new Markup($"[red]gate:[/] {Markup.Escape(reason)}"));
            }
        }

        return new Rows(rows);
    }

    public static string StateMarkup(string state) => state switch
    {
        RoundStates.Released => "[green]released[/]",
        RoundStates.Rejected or RoundStates.Failed => $"[red]{state}[/]",
        RoundStates.Cancelled => "[grey]cancelled[/]",
        _ => $"[yellow]{state}[/]",
    };

    private static string Remaining(TimeSpan t) => t <= TimeSpan.Zero ? "none" : t.TotalHours >= 1 ? $"{t.TotalHours:0.0} h" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0} min" : $"{t.TotalSeconds:0} s";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 20 => $"{bytes / 1048576.0:0.0} MiB",
        >= 1 << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
