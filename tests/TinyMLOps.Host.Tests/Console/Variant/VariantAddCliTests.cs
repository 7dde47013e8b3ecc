using Google.Protobuf;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Variant;

/// <summary>`variant add`: the user's own model registered as a variant of a task, measured, profiled and costed.</summary>
public sealed class VariantAddCliTests : ConsoleTest
{
    [Fact]
    public void A_users_onnx_and_tmlm_models_are_quantized_measured_on_the_held_out_set_and_costed_beside_each_other()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        string mine = Path.Combine(Dir.FullName, "my-mlp.onnx");
        File.WriteAllBytes(mine, OnnxExporter.ExportFloat(TrainedModels.Mlp).ToByteArray());

        Assert.Equal(0, Run("variant", "add", mine, "--task", "fashion", "--registry", registry));
        Assert.Equal(0, Run("variant", "add", OnnxTestSupport.FixturePath("pytorch_cnn.onnx"), "--task", "fashion", "--registry", registry));

        var reg = VariantRegistry.Open(registry);
        Assert.Equal(["my-mlp", "pytorch_cnn"], reg.Latest.Select(v => v.VariantId));
        TaskSplits splits = FashionTask.Instance.Load(new TaskLoadOptions());
        foreach (VariantArtifact artifact in reg.Latest)
        {
            Int8Model model = ModelReader.Read(reg.ReadFile(artifact));
            Assert.Equal(FashionTask.TaskId, artifact.ModelId);
            Assert.Equal(FashionTask.TaskId, model.ModelId);
            Assert.NotNull(model.DriftProfile);
            Assert.Equal(splits.HeldOut.Count, artifact.HeldOutImages);
            Assert.Equal(Evaluation.Evaluate(model, splits.HeldOut).Accuracy, artifact.Accuracy);
        }

        VariantArtifact mlp = reg.Find("my-mlp")!;
        Assert.Equal("mlp", mlp.Architecture);
        Assert.Equal("cnn", reg.Find("pytorch_cnn")!.Architecture);
        Assert.True(mlp.Accuracy > 0.7, $"the trained MLP measured {mlp.Accuracy:P1}");
        Assert.Equal(FashionMnist.ClassNames, ModelReader.Read(reg.ReadFile(mlp)).Labels);

        // The second add's table shows both variants on the boards, as `variant build` does.
        string output = Out.ToString();
        string second = output[output.LastIndexOf("pytorch_cnn v1", StringComparison.Ordinal)..];
        Assert.Contains("my-mlp", second);
        Assert.Contains(BoardCatalog.Default.Boards[0].Id, second);

        // An int8 model as it is: a new version of the same variant, with the same measured accuracy.
        string tmlm = Path.Combine(Dir.FullName, "my-mlp.tmlm");
        File.WriteAllBytes(tmlm, reg.ReadFile(mlp));
        Assert.Equal(0, Run("variant", "add", tmlm, "--registry", registry));
        VariantArtifact again = VariantRegistry.Open(registry).Find("my-mlp")!;
        Assert.Equal(2, again.Version);
        Assert.Equal(mlp.Accuracy, again.Accuracy);
    }

    [Fact]
    public void A_file_that_is_not_a_model_or_a_task_that_does_not_exist_is_one_line()
    {
        string registry = Path.Combine(Dir.FullName, "variants");
        string text = Path.Combine(Dir.FullName, "notes.txt");
        File.WriteAllText(text, "not a model");

        Assert.Equal(1, Run("variant", "add", text, "--task", "knitting", "--registry", registry));
        Assert.Equal($"error: no task 'knitting' (tasks: {string.Join(", ", TinyMLOps.Simulation.Tasks.TaskCatalog.Ids)})", Out.ToString().Trim());

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("variant", "add", text, "--task", "fashion", "--registry", registry));
        Assert.Equal("error: notes.txt: a variant is an int8 model (.tmlm) or a float ONNX model (.onnx)", Out.ToString().Trim());
    }
}
