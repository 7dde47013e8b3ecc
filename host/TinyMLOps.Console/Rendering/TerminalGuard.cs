using Spectre.Console;
using Spectre.Console.Rendering;

namespace TinyMLOps.Console.Rendering;

/// <summary>
/// The console every command writes to: passes everything through, but shows control characters in the text of what is
/// rendered as visible escapes (<see cref="TerminalText"/>). A second line of defence behind the views' own escaping, for
/// any device string a view forgets; Spectre's own control codes (cursor moves of the live view) are left alone.
/// </summary>
internal sealed class TerminalGuard(IAnsiConsole inner) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public static IAnsiConsole Wrap(IAnsiConsole console) => console is TerminalGuard ? console : new TerminalGuard(console);

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new Guarded(renderable));

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    private sealed class Guarded(IRenderable renderable) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => renderable.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
        {
            foreach (var segment in renderable.Render(options, maxWidth))
            {
                yield return segment.IsControlCode || TerminalText.IsClean(segment.Text, keepLineBreaks: true)
                    ? segment
                    : new Segment(TerminalText.Clean(segment.Text, keepLineBreaks: true), segment.Style);
            }
        }
    }
}
