using TinyMLOps.Firmware.Core;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Firmware.Tests;

public class ClassifierTests
{
    [Fact]
    public void Classify_returns_the_class_whose_input_is_brightest()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, ["left", "middle", "right"]));

        Assert.Equal(0, classifier.Classify([200, 10, 30], 0));
        Assert.Equal(1, classifier.Classify([0, 255, 254], 0));
        Assert.Equal(2, classifier.Classify([7, 7, 9, 1, 2, 250], 3));
        Assert.Equal("middle", classifier.Label(1));
        Assert.Equal(3, classifier.InferenceCount);
    }

    [Fact]
    public void Classifier_exposes_the_models_identity_and_memory()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, ["a", "b", "c"]));

        Assert.Equal("brightest", classifier.ModelId);
        Assert.Equal("v1", classifier.VariantId);
        Assert.Equal(3, classifier.InputLength);
        Assert.Equal(3, classifier.ClassCount);
        Assert.Equal(6, classifier.ArenaBytes);
        Assert.True(classifier.WorkingBytes >= classifier.ArenaBytes);
        Assert.Equal(0, classifier.InferenceCount);
    }

    [Fact]
    public void Scores_follow_the_input_after_a_classification()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, ["a", "b", "c"]));

        classifier.Classify([0, 128, 255], 0);

        Assert.Equal(-128, classifier.Score(0));
        Assert.Equal(127, classifier.Score(2));
        Assert.InRange(classifier.Score(1), -1, 1);
    }

    [Fact]
    public void A_model_without_labels_is_labelled_with_class_numbers()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, []));

        Assert.Equal("0", classifier.Label(0));
        Assert.Equal("2", classifier.Label(2));
    }

    [Fact]
    public void Classify_allocates_nothing()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, ["a", "b", "c"]));
        byte[] sample = [1, 2, 3];
        classifier.Classify(sample, 0);
        _ = classifier.Label(0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            classifier.Classify(sample, 0);
            _ = classifier.Label(classifier.Score(0) & 1);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101, classifier.InferenceCount);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var classifier = new Classifier(BrightestModel.Build("v1", 127, ["a", "b", "c"]));

        Assert.Throws<ArgumentNullException>(() => classifier.Classify(null!, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Classify([1, 2, 3], -1));
        Assert.Throws<ArgumentException>(() => classifier.Classify([1, 2, 3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Label(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Score(-1));
        Assert.Equal(0, classifier.InferenceCount);
    }

    [Fact]
    public void A_corrupt_model_is_refused()
    {
        byte[] model = BrightestModel.Build("v1", 127, ["a", "b", "c"]);
        model[model.Length / 2] ^= 0x5A;

        Assert.Throws<ModelFormatException>(() => new Classifier(model));
    }
}
