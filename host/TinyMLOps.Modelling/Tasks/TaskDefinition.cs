using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Tasks;

/// <summary>Where a task's data comes from and how much of it to read.</summary>
public sealed record TaskLoadOptions
{
    /// <summary>The data's folder or file (null: the task's default source).</summary>
    public string? Data { get; init; }

    /// <summary>At most this many training samples (0: all).</summary>
    public int TrainLimit { get; init; }

    /// <summary>Seeds whatever the task generates or splits.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>A small version of generated data, for tests and quick demos.</summary>
    public bool Small { get; init; }
}

/// <summary>A task's data: what the family trains on, what calibrates it, and the holdout set that measures and gates it.</summary>
public sealed record TaskSplits(LabelledSet Train, LabelledSet Calibration, LabelledSet HeldOut, string Source);

/// <summary>
/// One machine-learning task the product serves end to end (docs/tasks.md): where its data comes from, the model
/// family <c>variant build</c> trains for it, the front-end its variants carry, and how drift groups its inputs.
/// Every subsystem takes a task, so none of them is tied to one data set.
/// </summary>
public abstract class TaskDefinition
{
    /// <summary>The name on the command line: "fashion", "keywords", "vibration".</summary>
    public abstract string Id { get; }

    /// <summary>One line for help and headings.</summary>
    public abstract string Title { get; }

    /// <summary>The model family <c>variant build --task</c> trains.</summary>
    public abstract IReadOnlyList<VariantSpec> Family { get; }

    /// <summary>Training epochs <c>variant build</c> uses when not told.</summary>
    public virtual int DefaultEpochs => 3;

    /// <summary>What one sample is, for progress lines: "images", "clips", "windows".</summary>
    public virtual string SampleNoun => "samples";

    /// <summary>Reads or generates the task's splits.</summary>
    public abstract TaskSplits Load(TaskLoadOptions options, IProgress<string>? progress = null);

    /// <summary>The front-end every variant of the task carries (null: the model takes pixels through the pixel table).</summary>
    public virtual FrontEnd? CreateFrontEnd() => null;

    /// <summary>How drift groups the task's model input.</summary>
    public virtual DriftGroups DriftGroupsFor(int inputH, int inputW, int inputC) => DriftGroups.For(inputH, inputW, inputC);

    /// <summary>
    /// The drift profile's alarm threshold (PSI in thousandths) its variants carry: the default, unless the task's
    /// devices differ from the pooled training data by design (each machine of a vibration fleet is one of many).
    /// </summary>
    public virtual int DriftAlarmPsiMilli => TinyMLOps.Shared.Drift.DriftProfile.DefaultAlarmPsiMilli;

    public override string ToString() => Id;
}
