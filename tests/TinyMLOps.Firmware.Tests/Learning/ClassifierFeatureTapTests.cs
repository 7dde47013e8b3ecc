using TinyMLOps.Firmware.Core;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.Learning;

public class ClassifierFeatureTapTests
{
    private static byte[] Sample(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void With_the_tap_set_results_are_unchanged_and_the_buffer_holds_the_heads_input(int layers)
    {
        byte[] bytes = LearningModels.MlpBytes(8, inputs: 32, hidden: 12, classes: 5);
        var plain = new Classifier(bytes);
        var tapped = new Classifier(bytes);
        var reference = new Classifier(bytes);
        var head = TrainableHead.Find(tapped.Interpreter.Model, layers);
        var features = new sbyte[head.FeatureLength];
        tapped.SetFeatureTap(head.FirstOperator, features);
        Assert.Equal(head.FirstOperator, tapped.FeatureTapOperator);

        var rng = new Random(3);
        var op = reference.Interpreter.Model.Operators[head.FirstOperator];
        for (int s = 0; s < 50; s++)
        {
            byte[] sample = Sample(rng, plain.InputLength);
            Assert.Equal(plain.Classify(sample, 0), tapped.Classify(sample, 0));
            for (int c = 0; c < plain.ClassCount; c++)
            {
                Assert.Equal(plain.Score(c), tapped.Score(c));
            }

            // What the head's first layer reads: the arena after running the operators before it.
            reference.Interpreter.SetInputFromBytes(sample, 0);
            reference.Interpreter.InvokeRange(0, head.FirstOperator);
            Assert.Equal(reference.Interpreter.Arena.AsSpan(op.InputOffset, op.InputElements).ToArray(), features);
        }

        Assert.Equal(50, tapped.InferenceCount);
    }

    [Fact]
    public void Removing_the_tap_stops_the_copies_and_a_short_buffer_is_refused()
    {
        var classifier = new Classifier(LearningModels.MlpBytes(2));
        var head = TrainableHead.Find(classifier.Interpreter.Model, 1);
        var features = new sbyte[head.FeatureLength];
        Assert.Throws<ArgumentException>(() => classifier.SetFeatureTap(head.FirstOperator, new sbyte[head.FeatureLength - 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.SetFeatureTap(99, features));

        classifier.SetFeatureTap(head.FirstOperator, features);
        classifier.SetFeatureTap(0, null!);
        Assert.Equal(-1, classifier.FeatureTapOperator);
        classifier.Classify(Sample(new Random(1), classifier.InputLength), 0);
        Assert.All(features, f => Assert.Equal(0, f));
    }

    [Fact]
    public void A_tapped_classification_allocates_nothing()
    {
        var classifier = new Classifier(LearningModels.MlpBytes(5));
        var head = TrainableHead.Find(classifier.Interpreter.Model, 1);
        classifier.SetFeatureTap(head.FirstOperator, new sbyte[head.FeatureLength]);
        var sample = Sample(new Random(2), classifier.InputLength);
        classifier.Classify(sample, 0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            classifier.Classify(sample, 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
