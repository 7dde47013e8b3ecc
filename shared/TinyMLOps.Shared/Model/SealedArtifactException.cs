namespace TinyMLOps.Shared.Model
{
    /// <summary>The one exception <see cref="SealedArtifact.Open"/> throws; <see cref="Result"/> is a <see cref="SealResult"/> code.</summary>
    public class SealedArtifactException : System.Exception
    {
        public SealedArtifactException(int result)
            : base(SealResult.Describe(result))
        {
            Result = result;
        }

        public int Result { get; private set; }
    }
}
