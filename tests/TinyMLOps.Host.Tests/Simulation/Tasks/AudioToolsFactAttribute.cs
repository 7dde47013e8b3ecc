using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Host.Tests.Simulation.Tasks;

/// <summary>A fact that needs espeak-ng and sox to make its keyword corpus: skipped, with the line why, without them.</summary>
public sealed class AudioToolsFactAttribute : FactAttribute
{
    public AudioToolsFactAttribute()
    {
        if (!AudioTools.Available(AudioTools.Espeak, AudioTools.Sox))
        {
            Skip = "espeak-ng or sox not on PATH (apt-get install espeak-ng sox): the keyword corpus cannot be made";
        }
    }
}
