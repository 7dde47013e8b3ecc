using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Modelling.Tasks.Fashion;

/// <summary>The three parts of Fashion-MNIST used by the project.</summary>
/// <param name="Train">Training images (the official training set less the held-out part).</param>
/// <param name="HeldOut">The last images of the official training set: calibration and validation.</param>
/// <param name="Test">The official 10,000 test images.</param>
public sealed record FashionMnistSplits(ImageDataset Train, ImageDataset HeldOut, ImageDataset Test);
