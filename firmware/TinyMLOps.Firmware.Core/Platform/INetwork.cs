namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The board's IP link (Wi-Fi station or Ethernet), below the MQTT transport.</summary>
    public interface INetwork
    {
        /// <summary>True while the link has an address.</summary>
        bool IsUp { get; }

        /// <summary>
        /// True while the link is metered (cellular, a metered hotspot): uploads whose consent is "wifi" wait. Wi-Fi
        /// stations and Ethernet are not metered.
        /// </summary>
        bool IsMetered { get; }

        /// <summary>Brings the link up when it is down, waiting at most the adapter's timeout; true when it is up afterwards.</summary>
        bool EnsureUp();
    }
}
