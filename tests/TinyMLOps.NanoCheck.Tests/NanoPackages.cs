namespace TinyMLOps.NanoCheck.Tests;

/// <summary>
/// The nanoFramework assemblies of shared/nanoframework-api/README.md: listing (and facade folder) name,
/// the NuGet package that ships it and the DLL inside the package's lib folder.
/// </summary>
internal static class NanoPackages
{
    public static readonly IReadOnlyDictionary<string, (string PackageId, string Dll)> ByAssembly =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["mscorlib"] = ("nanoFramework.CoreLibrary", "mscorlib.dll"),
            ["System.Math"] = ("nanoFramework.System.Math", "System.Math.dll"),
            ["nanoFramework.System.Collections"] = ("nanoFramework.System.Collections", "nanoFramework.System.Collections.dll"),
            ["nanoFramework.System.Text"] = ("nanoFramework.System.Text", "nanoFramework.System.Text.dll"),
            ["nanoFramework.Runtime.Events"] = ("nanoFramework.Runtime.Events", "nanoFramework.Runtime.Events.dll"),
            ["nanoFramework.Runtime.Native"] = ("nanoFramework.Runtime.Native", "nanoFramework.Runtime.Native.dll"),
            ["System.Threading"] = ("nanoFramework.System.Threading", "System.Threading.dll"),
            ["System.IO.Streams"] = ("nanoFramework.System.IO.Streams", "System.IO.Streams.dll"),
            ["System.IO.FileSystem"] = ("nanoFramework.System.IO.FileSystem", "System.IO.FileSystem.dll"),
            ["System.Device.Gpio"] = ("nanoFramework.System.Device.Gpio", "System.Device.Gpio.dll"),
            ["System.Device.Wifi"] = ("nanoFramework.System.Device.Wifi", "System.Device.Wifi.dll"),
            ["System.Net"] = ("nanoFramework.System.Net", "System.Net.dll"),
            ["nanoFramework.M2Mqtt"] = ("nanoFramework.M2Mqtt", "nanoFramework.M2Mqtt.dll"),
            ["nanoFramework.M2Mqtt.Core"] = ("nanoFramework.M2Mqtt", "nanoFramework.M2Mqtt.Core.dll"),
            ["nanoFramework.Hardware.Esp32"] = ("nanoFramework.Hardware.Esp32", "nanoFramework.Hardware.Esp32.dll"),
            ["nanoFramework.System.Security.Cryptography"] = ("nanoFramework.System.Security.Cryptography", "nanoFramework.System.Security.Cryptography.dll"),
            ["nanoFramework.Json"] = ("nanoFramework.Json", "nanoFramework.Json.dll"),
            ["nanoFramework.MessagePack"] = ("nanoFramework.MessagePack", "nanoFramework.MessagePack.dll"),
            ["nanoFramework.TestFramework"] = ("nanoFramework.TestFramework", "nanoFramework.TestFramework.dll"),
        };

    public static readonly IReadOnlySet<string> KnownIds = ByAssembly.Values.Select(v => v.PackageId).ToHashSet(StringComparer.Ordinal);

    public const string TargetFramework = "netnano1.0";
}
