using TinyMLOps.Fleet.Provisioning;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// POST /devices: what a flashing script needs, shown once. <see cref="ConfigFile"/> is the encoded configuration
/// (base64) that `tinymlops flash --config-dir DIR` deploys as DIR/DEVICE-ID/<see cref="ConfigFileName"/>, and
/// <see cref="CaPem"/> goes beside it as <see cref="CaFileName"/> when TLS. The store keeps only the secret's hash.
/// </summary>
public sealed record ProvisionedDeviceJson(
    string DeviceId,
    string Fleet,
    string Board,
    bool Rotated,
    string Network,
    string BrokerHost,
    int BrokerPort,
    bool BrokerTls,
    string MqttUsername,
    string MqttSecret,
    string Consent,
    bool RequireSealedModels,
    string ConfigFileName,
    string ConfigFile,
    string CaFileName,
    string? CaPem)
{
    public static ProvisionedDeviceJson Of(ProvisionBundle b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var c = b.Config;
        return new(
            c.DeviceId, c.Fleet, c.Board, b.Rotated, c.Network, c.BrokerHost, c.BrokerPort, c.BrokerTls, c.MqttUsername, c.MqttPassword, c.Consent,
            c.RequireSealedModels, TinyMLOps.Shared.Provisioning.ProvisionedConfig.FileName, Convert.ToBase64String(b.File),
            TinyMLOps.Shared.Provisioning.ProvisionedConfig.CaFileName, b.CaPem);
    }
}
