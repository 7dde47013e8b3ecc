namespace TinyMLOps.Modelling.Training;

/// <summary>What <see cref="Trainer.Train"/> minimises.</summary>
public enum TrainingLoss
{
    /// <summary>Softmax cross-entropy against the labels (classifiers).</summary>
    SoftmaxCrossEntropy = 0,

    /// <summary>Mean squared error between the output and the model's own input (autoencoders); labels are ignored.</summary>
    Reconstruction = 1,
}
