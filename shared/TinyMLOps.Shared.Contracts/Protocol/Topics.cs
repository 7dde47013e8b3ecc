namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Topic names of protocol v1: <c>tinymlops/v1/{fleet}/{device}/up/{kind}</c> for device-to-host and
    /// <c>tinymlops/v1/{fleet}/{device}/down/{kind}</c> for host-to-device. Fleet and device ids use the
    /// device-id alphabet, so no level can hold a wildcard or a separator.
    /// </summary>
    public static class Topics
    {
        public const string Root = "tinymlops/v1";
        public const string SharedGroup = "tinymlops-hosts";

        /// <summary>The topic of an uplink kind; throws ArgumentException for an invalid id or a downlink kind.</summary>
        public static string Up(string fleet, string deviceId, int kind)
        {
            if (!MessageKind.IsUplink(kind))
            {
                throw new System.ArgumentException("kind " + kind + " is not an uplink kind");
            }

            return Tree(fleet, deviceId) + "/up/" + MessageKind.Name(kind);
        }

        /// <summary>The topic of a downlink kind; throws ArgumentException for an invalid id or an uplink kind.</summary>
        public static string Down(string fleet, string deviceId, int kind)
        {
            if (!MessageKind.IsDownlink(kind))
            {
                throw new System.ArgumentException("kind " + kind + " is not a downlink kind");
            }

            return Tree(fleet, deviceId) + "/down/" + MessageKind.Name(kind);
        }

        /// <summary>What a device subscribes to: every downlink kind of its own tree.</summary>
        public static string DownFilter(string fleet, string deviceId)
        {
            return Root + "/" + fleet + "/" + deviceId + "/down/#";
        }

        /// <summary>What a host subscribes to: every uplink of a fleet (fleet "+" for all fleets).</summary>
        public static string UpFilter(string fleet)
        {
            return Root + "/" + fleet + "/+/up/#";
        }

        /// <summary>The MQTT 5 shared subscription that spreads a fleet's uplink over several host workers.</summary>
        public static string SharedUpFilter(string fleet)
        {
            return "$share/" + SharedGroup + "/" + UpFilter(fleet);
        }

        private static string Tree(string fleet, string deviceId)
        {
            if (!WireCodec.IsValidDeviceId(fleet) || !WireCodec.IsValidDeviceId(deviceId))
            {
                throw new System.ArgumentException("fleet and device ids must be 1 to " + WireCodec.MaxDeviceIdLength + " of A-Z a-z 0-9 - _ .");
            }

            return Root + "/" + fleet + "/" + deviceId;
        }

        /// <summary>Splits a protocol topic; null when the topic is not one (wrong root, level count, id or kind).</summary>
        public static TopicInfo Parse(string topic)
        {
            if (topic == null)
            {
                return null;
            }

            string[] levels = topic.Split(new char[] { '/' });
            if (levels.Length != 6 || levels[0] != "tinymlops" || levels[1] != "v1")
            {
                return null;
            }

            bool uplink;
            if (levels[4] == "up")
            {
                uplink = true;
            }
            else if (levels[4] == "down")
            {
                uplink = false;
            }
            else
            {
                return null;
            }

            if (!WireCodec.IsValidDeviceId(levels[2]) || !WireCodec.IsValidDeviceId(levels[3]))
            {
                return null;
            }

            int kind = MessageKind.Parse(levels[5], uplink);
            if (kind < 0)
            {
                return null;
            }

            return new TopicInfo(levels[2], levels[3], uplink, kind);
        }
    }

    /// <summary>The parts of a protocol topic.</summary>
    public sealed class TopicInfo
    {
        public TopicInfo(string fleet, string deviceId, bool uplink, int kind)
        {
            Fleet = fleet;
            DeviceId = deviceId;
            Uplink = uplink;
            Kind = kind;
        }

        public string Fleet { get; private set; }

        public string DeviceId { get; private set; }

        public bool Uplink { get; private set; }

        public int Kind { get; private set; }
    }
}
