using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Tests.App;

public class ConfigMappingTests
{
    internal static ProvisionedConfig Config() => new()
    {
        DeviceId = "dev-1",
        Fleet = "lab",
        Board = "esp32-devkitc",
        WifiSsid = "net",
        BrokerHost = "broker.local",
        ArtifactKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))],
        StatusLedPin = 2,
        PowerDetectPin = 34,
        HeartbeatSeconds = 30,
    };

    [Fact]
    public void The_device_config_takes_identity_heartbeat_key_and_firmware_version()
    {
        var provisioned = Config();

        var device = ConfigMapping.ToDeviceConfig(provisioned, "0.4.0");

        Assert.Equal("dev-1", device.DeviceId);
        Assert.Equal("lab", device.Fleet);
        Assert.Equal("esp32-devkitc", device.Board);
        Assert.Equal("0.4.0", device.FirmwareVersion);
        Assert.Equal(30, device.HeartbeatIntervalSeconds);
        Assert.Equal(provisioned.ArtifactKey, device.ArtifactKey);
        Assert.NotSame(provisioned.ArtifactKey, device.ArtifactKey);
        Assert.Equal(string.Empty, device.ModelId);
        Assert.Equal(TinyMLOps.Shared.Kernels.KernelBackends.NameOf(TinyMLOps.Shared.Kernels.KernelBackends.Default), device.KernelBackend);
        Assert.False(device.RequireSealedModels);
        provisioned.RequireSealedModels = true;
        Assert.True(ConfigMapping.ToDeviceConfig(provisioned, "0.4.0").RequireSealedModels);
    }

    [Fact]
    public void The_kernel_mask_has_a_bit_for_every_kernel_of_the_runtime()
    {
        uint mask = ConfigMapping.SupportedKernelMask();

        int[] codes =
        [
            FullyConnected.Code, Conv2D.Code, DepthwiseConv2D.Code, AveragePool2D.Code, MaxPool2D.Code, Reshape.Code, Softmax.Code,
            Add.Code, Mul.Code, Concat.Code, Pad.Code, Lookup.Code, Mean.Code,
        ];
        foreach (int code in codes)
        {
            Assert.NotEqual(0u, mask & (1u << code));
        }

        Assert.Equal(codes.Length, System.Numerics.BitOperations.PopCount(mask));
    }

    [Fact]
    public void The_broker_login_defaults_to_the_device_id_and_an_anonymous_password()
    {
        var config = Config();

        Assert.Equal("dev-1", ConfigMapping.MqttUsername(config));
        Assert.Null(ConfigMapping.MqttPassword(config));

        config.MqttUsername = "user";
        config.MqttPassword = "secret";
        Assert.Equal("user", ConfigMapping.MqttUsername(config));
        Assert.Equal("secret", ConfigMapping.MqttPassword(config));
    }
}
