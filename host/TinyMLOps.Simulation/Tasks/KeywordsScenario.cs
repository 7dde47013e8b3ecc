using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>
/// The keyword fleet: microphones that each hear their slice of the held-out speakers. Drift is a noisy room (white
/// noise on the raw samples, before the MFCC); the federated story is a new speaker (<see cref="KeywordsTask.NewVoice"/>,
/// a voice no split holds) whose boards label what they hear, gated on the held-out speakers so they are not forgotten.
/// </summary>
public sealed class KeywordsScenario : FleetScenario
{
    /// <summary>RMS of the room's noise in int16 counts: about -24 dBFS, against words peaking at -15 to -3 dBFS.</summary>
    public const double RoomNoise = 2000;

    public override TaskDefinition Task => KeywordsTask.Instance;

    public override string DriftStory => $"the room gets noisy: white noise of {RoomNoise:N0} counts RMS (-24 dBFS) on the microphones";

    public override SensorShift? DriftShift(TimeSpan at) => new() { At = at, SignalNoise = RoomNoise };

    /// <summary>
    /// Board <paramref name="board"/> of <paramref name="boards"/> with the new speaker: its slice of that voice's clips
    /// (all of them when they are too few to share); null when the splits hold no new voice (a user's corpus).
    /// </summary>
    public static DatasetSensor? NewSpeakerSensor(TaskSplits splits, int board, int boards)
    {
        SignalSet? voice = KeywordsTask.NewVoiceClips(splits);
        if (voice == null || voice.Count == 0)
        {
            return null;
        }

        int slice = voice.Count / Math.Max(1, boards);
        return slice < 32
            ? new DatasetSensor(voice)
            : new DatasetSensor(voice.Slice(board % boards * slice, slice));
    }
}
