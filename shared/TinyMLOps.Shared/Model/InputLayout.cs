namespace TinyMLOps.Shared.Model
{
    /// <summary>How the user's input array (batch first) maps onto the model's HWC input tensor.</summary>
    public enum InputLayout
    {
        /// <summary>Height, width, channels as the tensor holds them (format version 1 models, images).</summary>
        Hwc = 0,

        /// <summary>[N, C, H, W], PyTorch's image layout: transposed to HWC.</summary>
        Nchw = 1,

        /// <summary>[N, H, W, C]: the tensor's own order.</summary>
        Nhwc = 2,

        /// <summary>[N, F]: a feature vector, tensor 1 x 1 x F.</summary>
        Features = 3,

        /// <summary>[N, C, T], PyTorch's 1-D layout (audio, vibration): tensor 1 x T x C.</summary>
        Nct = 4,
    }
}
