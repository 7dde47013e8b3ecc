namespace TinyMLOps.Shared.Model
{
    /// <summary>What a model's output means.</summary>
    public enum OutputKind
    {
        /// <summary>One score per class (probabilities or logits), named by the labels.</summary>
        Classes = 0,

        /// <summary>Real values, dequantized as they are.</summary>
        Regression = 1,

        /// <summary>A reconstruction of the input (an autoencoder): the anomaly score is the mean squared error, against a threshold.</summary>
        Anomaly = 2,
    }
}
