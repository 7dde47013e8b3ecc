using System;
using System.Collections;
using System.Text;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Provisioning
{
    /// <summary>
    /// The text format of the provisioned configuration, version 1 (docs/firmware.md): UTF-8, one key=value per line
    /// with LF line ends, first line tinymlops-config=1, last line crc32=xxxxxxxx (CRC-32/IEEE of every byte before
    /// that line, 8 lower-case hex). Lines starting with '#' are comments; unknown keys are ignored, duplicates are a
    /// problem. The parser works on the bytes, reports every problem it finds as a sentence and never throws.
    /// </summary>
    public static class ConfigFile
    {
        public const string FormatKey = "tinymlops-config";
        public const string CrcKey = "crc32";

        public const string DeviceIdKey = "device.id";
        public const string FleetKey = "fleet";
        public const string BoardKey = "board";
        public const string NetworkKey = "network";
        public const string WifiSsidKey = "wifi.ssid";
        public const string WifiPasswordKey = "wifi.password";
        public const string MqttHostKey = "mqtt.host";
        public const string MqttPortKey = "mqtt.port";
        public const string MqttTlsKey = "mqtt.tls";
        public const string MqttUsernameKey = "mqtt.username";
        public const string MqttPasswordKey = "mqtt.password";
        public const string ArtifactKeyKey = "key.artifact";
        public const string StatusLedPinKey = "pin.status-led";
        public const string PowerDetectPinKey = "pin.power-detect";
        public const string BatteryAdcPinKey = "pin.battery-adc";
        public const string HeartbeatKey = "heartbeat.seconds";
        public const string SleepKey = "sleep.seconds";
        public const string SyncWindowKey = "sync-window.seconds";
        public const string SensorKey = "sensor";
        public const string ConsentKey = "consent";
        public const string SealedOnlyKey = "models.sealed-only";

        /// <summary>802.11 limits an SSID to 32 bytes; a WPA passphrase is at most 63 characters, a raw key 64 hex digits.</summary>
        public const int MaxSsidBytes = 32;
        public const int MaxWifiPasswordBytes = 64;
        public const int MaxHostBytes = 253;
        public const int MaxPin = 255;
        public const int MaxHeartbeatSeconds = 86400;
        public const int MaxSleepSeconds = 604800;
        public const int MaxSyncWindowSeconds = 86400;

        private const int DeviceId = 0;
        private const int Fleet = 1;
        private const int Board = 2;
        private const int Network = 3;
        private const int WifiSsid = 4;
        private const int WifiPassword = 5;
        private const int MqttHost = 6;
        private const int MqttPort = 7;
        private const int MqttTls = 8;
        private const int MqttUsername = 9;
        private const int MqttPassword = 10;
        private const int ArtifactKey = 11;
        private const int StatusLedPin = 12;
        private const int PowerDetectPin = 13;
        private const int BatteryAdcPin = 14;
        private const int Heartbeat = 15;
        private const int Sleep = 16;
        private const int SyncWindow = 17;
        private const int Sensor = 18;
        private const int ConsentSettings = 19;
        private const int SealedOnly = 20;
        private const int KeyCount = 21;

        // Indexed by the constants above: the order Encode writes them in.
        private static readonly string[] Keys = new string[]
        {
            DeviceIdKey, FleetKey, BoardKey, NetworkKey, WifiSsidKey, WifiPasswordKey, MqttHostKey, MqttPortKey, MqttTlsKey,
            MqttUsernameKey, MqttPasswordKey, ArtifactKeyKey, StatusLedPinKey, PowerDetectPinKey, BatteryAdcPinKey,
            HeartbeatKey, SleepKey, SyncWindowKey, SensorKey, ConsentKey, SealedOnlyKey,
        };

        private const byte Lf = 10;
        private const byte Cr = 13;
        private const byte EqualsSign = (byte)'=';
        private const byte Hash = (byte)'#';

        /// <summary>The file's bytes. Throws ArgumentException, listing the problems, for a configuration that would not parse.</summary>
        public static byte[] Encode(ProvisionedConfig config)
        {
            string[] problems = Validate(config);
            if (problems.Length > 0)
            {
                string text = "the configuration would not parse:";
                for (int i = 0; i < problems.Length; i++)
                {
                    text = text + "\n" + problems[i];
                }

                throw new ArgumentException(text);
            }

            string body = FormatKey + "=" + ProvisionedConfig.FormatVersion + "\n"
                + Line(DeviceId, config.DeviceId)
                + Line(Fleet, config.Fleet)
                + Line(Board, config.Board)
                + Line(Network, config.Network)
                + Line(WifiSsid, config.WifiSsid)
                + Line(WifiPassword, config.WifiPassword)
                + Line(MqttHost, config.BrokerHost)
                + Line(MqttPort, config.BrokerPort.ToString())
                + Line(MqttTls, config.BrokerTls ? "true" : "false")
                + Line(MqttUsername, config.MqttUsername)
                + Line(MqttPassword, config.MqttPassword)
                + Line(ArtifactKey, Hex(config.ArtifactKey))
                + Line(StatusLedPin, config.StatusLedPin.ToString())
                + Line(PowerDetectPin, config.PowerDetectPin.ToString())
                + Line(BatteryAdcPin, config.BatteryAdcPin.ToString())
                + Line(Heartbeat, config.HeartbeatSeconds.ToString())
                + Line(Sleep, config.SleepSeconds.ToString())
                + Line(SyncWindow, config.SyncWindowSeconds.ToString())
                + Line(Sensor, config.Sensor)
                + Line(ConsentSettings, config.Consent)
                + Line(SealedOnly, config.RequireSealedModels ? "true" : "false");
            byte[] head = Encoding.UTF8.GetBytes(body);
            byte[] tail = Encoding.UTF8.GetBytes(CrcKey + "=" + Hex32(Crc32.Compute(head, 0, head.Length)) + "\n");
            byte[] file = new byte[head.Length + tail.Length];
            Array.Copy(head, 0, file, 0, head.Length);
            Array.Copy(tail, 0, file, head.Length, tail.Length);
            return file;
        }

        /// <summary>The problems the configuration's values have (the same sentences Parse reports); empty when it is usable.</summary>
        public static string[] Validate(ProvisionedConfig config)
        {
            ArrayList problems = new ArrayList();
            if (config == null)
            {
                problems.Add("no configuration");
            }
            else
            {
                string[] texts = new string[]
                {
                    config.DeviceId, config.Fleet, config.Board, config.Network, config.WifiSsid, config.WifiPassword,
                    config.BrokerHost, null, null, config.MqttUsername, config.MqttPassword, null, null, null, null, null, null, null,
                    config.Sensor, config.Consent, null,
                };
                for (int k = 0; k < KeyCount; k++)
                {
                    if (texts[k] != null && HasLineBreak(Encoding.UTF8.GetBytes(texts[k])))
                    {
                        problems.Add(Keys[k] + " contains a line break");
                    }
                }

                Check(config, new bool[KeyCount], problems);
            }

            return ToArray(problems);
        }

        /// <summary>Reads a configuration file. Never throws: anything wrong with the bytes is in the result's problems.</summary>
        public static ConfigParseResult Parse(byte[] data)
        {
            ArrayList problems = new ArrayList();
            ProvisionedConfig config = ParseInto(data, problems);
            return new ConfigParseResult(config, ToArray(problems));
        }

        private static ProvisionedConfig ParseInto(byte[] data, ArrayList problems)
        {
            if (data == null || data.Length == 0)
            {
                problems.Add("the configuration file is empty");
                return null;
            }

            // Line i runs from starts[i] to ends[i] (exclusive, without its LF and a CR before it).
            int lineCount = 1;
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == Lf && i < data.Length - 1)
                {
                    lineCount++;
                }
            }

            int[] starts = new int[lineCount];
            int[] ends = new int[lineCount];
            int line = 0;
            for (int i = 0; i <= data.Length; i++)
            {
                if (i == data.Length || data[i] == Lf)
                {
                    int end = i > starts[line] && data[i - 1] == Cr ? i - 1 : i;
                    ends[line] = end;
                    if (i >= data.Length - 1)
                    {
                        break;
                    }

                    line++;
                    starts[line] = i + 1;
                }
            }

            if (!CheckFormatLine(data, starts[0], ends[0], problems))
            {
                return null;
            }

            int crcLine = CheckCrcLine(data, starts, ends, problems);
            int bodyEnd = crcLine < 0 ? lineCount : crcLine;

            // Filled explicitly: nanoCLR's new string[] holds non-null empty-string blocks, not nulls.
            string[] values = new string[KeyCount];
            for (int i = 0; i < KeyCount; i++)
            {
                values[i] = null;
            }

            int[] seenOn = new int[KeyCount];
            for (int n = 1; n < bodyEnd; n++)
            {
                ReadLine(data, starts[n], ends[n], n + 1, values, seenOn, problems);
            }

            ProvisionedConfig config = new ProvisionedConfig();
            bool[] reported = new bool[KeyCount];
            ConvertValues(values, config, reported, problems);
            Check(config, reported, problems);
            return config;
        }

        /// <summary>First line: tinymlops-config=&lt;version&gt;; false when the rest cannot be read as this format.</summary>
        private static bool CheckFormatLine(byte[] data, int start, int end, ArrayList problems)
        {
            int prefix = FormatKey.Length + 1;
            if (end - start < prefix || !StartsWith(data, start, end, FormatKey + "="))
            {
                problems.Add("the first line is not " + FormatKey + "=" + ProvisionedConfig.FormatVersion + ": this is not a TinyMLOps configuration file");
                return false;
            }

            int version;
            string text = Text(data, start + prefix, end);
            if (!TryParseInt(data, start + prefix, end, out version))
            {
                problems.Add("format " + Shown(text) + " is not a version number");
                return false;
            }

            if (version > ProvisionedConfig.FormatVersion)
            {
                problems.Add("format " + text + " is newer than this firmware (" + ProvisionedConfig.FormatVersion + ")");
                return false;
            }

            if (version < 1)
            {
                problems.Add("format " + text + " is not supported (this firmware reads " + ProvisionedConfig.FormatVersion + ")");
                return false;
            }

            return true;
        }

        /// <summary>Checks the crc32 line (the last line that is not empty); returns its index, or -1 when there is none.</summary>
        private static int CheckCrcLine(byte[] data, int[] starts, int[] ends, ArrayList problems)
        {
            int last = starts.Length - 1;
            while (last > 0 && ends[last] == starts[last])
            {
                last--;
            }

            if (last == 0 || !StartsWith(data, starts[last], ends[last], CrcKey + "="))
            {
                problems.Add("missing " + CrcKey + " line at the end: the file is truncated");
                return -1;
            }

            int hexStart = starts[last] + CrcKey.Length + 1;
            uint stored = 0;
            if (ends[last] - hexStart != 8 || !TryParseHex(data, hexStart, 8, out stored))
            {
                problems.Add(CrcKey + " " + Shown(Text(data, hexStart, ends[last])) + " is not 8 lower-case hex digits");
            }
            else if (stored != Crc32.Compute(data, 0, starts[last]))
            {
                problems.Add("checksum mismatch: file is corrupt");
            }

            return last;
        }

        private static void ReadLine(byte[] data, int start, int end, int lineNumber, string[] values, int[] seenOn, ArrayList problems)
        {
            if (end == start || data[start] == Hash)
            {
                return;
            }

            int eq = -1;
            for (int i = start; i < end; i++)
            {
                if (data[i] == EqualsSign)
                {
                    eq = i;
                    break;
                }
            }

            if (eq < 0)
            {
                problems.Add("line " + lineNumber + " is not key=value");
                return;
            }

            if (eq == start || !IsKey(data, start, eq))
            {
                problems.Add("line " + lineNumber + " has no valid key before '='");
                return;
            }

            string key = Text(data, start, eq);
            if (key == FormatKey || key == CrcKey)
            {
                problems.Add(key + " on line " + lineNumber + " belongs on the " + (key == FormatKey ? "first" : "last") + " line only");
                return;
            }

            int index = IndexOf(key);
            if (index < 0)
            {
                // A key of a later firmware: ignored, so an older device still reads the file.
                return;
            }

            if (seenOn[index] > 0)
            {
                problems.Add("duplicate key " + key + " (lines " + seenOn[index] + " and " + lineNumber + ")");
                return;
            }

            seenOn[index] = lineNumber;
            if (!IsUtf8(data, eq + 1, end))
            {
                problems.Add(key + " on line " + lineNumber + " is not valid UTF-8");
                return;
            }

            if (HasControl(data, eq + 1, end))
            {
                problems.Add(key + " on line " + lineNumber + " contains a control character");
                return;
            }

            values[index] = Text(data, eq + 1, end);
        }

        /// <summary>Text to fields: numbers, booleans and the key. Missing keys keep their defaults (Check reports the required ones).</summary>
        private static void ConvertValues(string[] values, ProvisionedConfig config, bool[] reported, ArrayList problems)
        {
            config.DeviceId = Or(values[DeviceId], string.Empty);
            config.Fleet = Or(values[Fleet], string.Empty);
            config.Board = Or(values[Board], string.Empty);
            config.Network = Or(values[Network], ProvisionedConfig.NetworkWifi);
            config.WifiSsid = Or(values[WifiSsid], string.Empty);
            config.WifiPassword = Or(values[WifiPassword], string.Empty);
            config.BrokerHost = Or(values[MqttHost], string.Empty);
            config.MqttUsername = Or(values[MqttUsername], string.Empty);
            config.MqttPassword = Or(values[MqttPassword], string.Empty);
            config.Sensor = Or(values[Sensor], ProvisionedConfig.SensorSamples);
            config.Consent = Or(values[ConsentSettings], UploadConsent.DefaultText);

            config.BrokerPort = Int(values, MqttPort, config.BrokerPort, 1, 65535, reported, problems);
            config.StatusLedPin = Int(values, StatusLedPin, config.StatusLedPin, -1, MaxPin, reported, problems);
            config.PowerDetectPin = Int(values, PowerDetectPin, config.PowerDetectPin, -1, MaxPin, reported, problems);
            config.BatteryAdcPin = Int(values, BatteryAdcPin, config.BatteryAdcPin, -1, MaxPin, reported, problems);
            config.HeartbeatSeconds = Int(values, Heartbeat, config.HeartbeatSeconds, 1, MaxHeartbeatSeconds, reported, problems);
            config.SleepSeconds = Int(values, Sleep, config.SleepSeconds, 0, MaxSleepSeconds, reported, problems);
            config.SyncWindowSeconds = Int(values, SyncWindow, config.SyncWindowSeconds, 1, MaxSyncWindowSeconds, reported, problems);

            string tls = values[MqttTls];
            if (tls != null)
            {
                if (tls == "true" || tls == "false")
                {
                    config.BrokerTls = tls == "true";
                }
                else
                {
                    problems.Add(MqttTlsKey + " " + Shown(tls) + " is not true or false");
                }
            }

            string sealedOnly = values[SealedOnly];
            if (sealedOnly != null)
            {
                if (sealedOnly == "true" || sealedOnly == "false")
                {
                    config.RequireSealedModels = sealedOnly == "true";
                }
                else
                {
                    problems.Add(SealedOnlyKey + " " + Shown(sealedOnly) + " is not true or false");
                }
            }

            string key = values[ArtifactKey];
            if (key != null)
            {
                config.ArtifactKey = ParseKey(key);
                if (config.ArtifactKey == null)
                {
                    problems.Add(ArtifactKeyKey + " is not " + (ProvisionedConfig.ArtifactKeyLength * 2) + " lower-case hex digits");
                    reported[ArtifactKey] = true;
                }
            }
        }

        /// <summary>The checks on values, shared by Parse and Validate; keys already reported while converting are skipped.</summary>
        private static void Check(ProvisionedConfig config, bool[] reported, ArrayList problems)
        {
            CheckId(DeviceId, config.DeviceId, problems);
            CheckId(Fleet, config.Fleet, problems);
            CheckId(Board, config.Board, problems);

            string network = Or(config.Network, string.Empty);
            bool wifi = network == ProvisionedConfig.NetworkWifi;
            if (!wifi && network != ProvisionedConfig.NetworkEthernet)
            {
                problems.Add(NetworkKey + " " + Shown(network) + " is not " + ProvisionedConfig.NetworkWifi + " or " + ProvisionedConfig.NetworkEthernet);
            }

            int ssidBytes = ByteLength(config.WifiSsid);
            if (wifi && ssidBytes == 0)
            {
                problems.Add("missing " + WifiSsidKey);
            }
            else if (ssidBytes > MaxSsidBytes)
            {
                problems.Add(WifiSsidKey + " is " + ssidBytes + " bytes, longer than " + MaxSsidBytes);
            }

            int passwordBytes = ByteLength(config.WifiPassword);
            if (passwordBytes > MaxWifiPasswordBytes)
            {
                problems.Add(WifiPasswordKey + " is " + passwordBytes + " bytes, longer than " + MaxWifiPasswordBytes);
            }

            int hostBytes = ByteLength(config.BrokerHost);
            if (hostBytes == 0)
            {
                problems.Add("missing " + MqttHostKey);
            }
            else if (hostBytes > MaxHostBytes)
            {
                problems.Add(MqttHostKey + " is " + hostBytes + " bytes, longer than " + MaxHostBytes);
            }

            CheckRange(MqttPort, config.BrokerPort, 1, 65535, reported, problems);

            if (!reported[ArtifactKey])
            {
                if (config.ArtifactKey == null || config.ArtifactKey.Length == 0)
                {
                    problems.Add("missing " + ArtifactKeyKey);
                }
                else if (config.ArtifactKey.Length != ProvisionedConfig.ArtifactKeyLength)
                {
                    problems.Add(ArtifactKeyKey + " is " + config.ArtifactKey.Length + " bytes, not " + ProvisionedConfig.ArtifactKeyLength);
                }
            }

            CheckRange(StatusLedPin, config.StatusLedPin, -1, MaxPin, reported, problems);
            CheckRange(PowerDetectPin, config.PowerDetectPin, -1, MaxPin, reported, problems);
            CheckRange(BatteryAdcPin, config.BatteryAdcPin, -1, MaxPin, reported, problems);
            CheckRange(Heartbeat, config.HeartbeatSeconds, 1, MaxHeartbeatSeconds, reported, problems);
            CheckRange(Sleep, config.SleepSeconds, 0, MaxSleepSeconds, reported, problems);
            CheckRange(SyncWindow, config.SyncWindowSeconds, 1, MaxSyncWindowSeconds, reported, problems);

            if (SensorAdcPin(config.Sensor) == -2)
            {
                problems.Add(SensorKey + " " + Shown(Or(config.Sensor, string.Empty)) + " is not " + ProvisionedConfig.SensorSamples
                    + " or " + ProvisionedConfig.SensorAdcPrefix + "<pin 0.." + MaxPin + ">");
            }

            UploadConsent.Parse(config.Consent, ConsentKey, problems);
        }

        /// <summary>
        /// The consent setting of each category (<see cref="UploadConsent"/>) the configuration gives; the defaults when its
        /// <see cref="ProvisionedConfig.Consent"/> does not parse (Parse and Validate report that as a problem).
        /// </summary>
        public static int[] ConsentOf(ProvisionedConfig config)
        {
            int[] settings = config == null ? null : UploadConsent.Parse(config.Consent, ConsentKey, new ArrayList());
            return settings == null ? UploadConsent.Defaults() : settings;
        }

        /// <summary>The ADC pin of an adc:&lt;pin&gt; sensor, -1 for samples, -2 when the value is neither.</summary>
        public static int SensorAdcPin(string sensor)
        {
            if (sensor == ProvisionedConfig.SensorSamples)
            {
                return -1;
            }

            if (sensor == null)
            {
                return -2;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(sensor);
            string prefix = ProvisionedConfig.SensorAdcPrefix;
            int pin;
            if (!StartsWith(bytes, 0, bytes.Length, prefix) || bytes.Length == prefix.Length || bytes[prefix.Length] == (byte)'-'
                || !TryParseInt(bytes, prefix.Length, bytes.Length, out pin) || pin > MaxPin)
            {
                return -2;
            }

            return pin;
        }

        private static void CheckId(int key, string value, ArrayList problems)
        {
            if (value == null || value.Length == 0)
            {
                problems.Add("missing " + Keys[key]);
            }
            else if (!WireCodec.IsValidDeviceId(value))
            {
                problems.Add(Keys[key] + " " + Shown(value) + " is not 1 to " + WireCodec.MaxDeviceIdLength + " of A-Z a-z 0-9 . _ -");
            }
        }

        private static void CheckRange(int key, int value, int min, int max, bool[] reported, ArrayList problems)
        {
            if (!reported[key] && (value < min || value > max))
            {
                problems.Add(Keys[key] + " " + value + " is not " + min + ".." + max);
            }
        }

        private static int Int(string[] values, int key, int fallback, int min, int max, bool[] reported, ArrayList problems)
        {
            string text = values[key];
            if (text == null)
            {
                return fallback;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(text);
            int value;
            if (!TryParseInt(bytes, 0, bytes.Length, out value))
            {
                // Digits too many for an int are out of range; anything else is not a number.
                problems.Add(IsInteger(bytes) ? Keys[key] + " " + text + " is not " + min + ".." + max : Keys[key] + " " + Shown(text) + " is not a number");
                reported[key] = true;
                return fallback;
            }

            return value;
        }

        /// <summary>An optional '-' and 1 to 9 digits (so no overflow); false for anything else.</summary>
        private static bool TryParseInt(byte[] data, int start, int end, out int value)
        {
            value = 0;
            bool negative = start < end && data[start] == (byte)'-';
            int first = negative ? start + 1 : start;
            if (first >= end || end - first > 9)
            {
                return false;
            }

            for (int i = first; i < end; i++)
            {
                int digit = data[i] - '0';
                if (digit < 0 || digit > 9)
                {
                    return false;
                }

                value = (value * 10) + digit;
            }

            if (negative)
            {
                value = -value;
            }

            return true;
        }

        private static bool IsInteger(byte[] data)
        {
            int first = data.Length > 0 && data[0] == (byte)'-' ? 1 : 0;
            if (first >= data.Length)
            {
                return false;
            }

            for (int i = first; i < data.Length; i++)
            {
                if (data[i] < (byte)'0' || data[i] > (byte)'9')
                {
                    return false;
                }
            }

            return true;
        }

        private static bool TryParseHex(byte[] data, int start, int count, out uint value)
        {
            value = 0;
            for (int i = start; i < start + count; i++)
            {
                int nibble = HexValue(data[i]);
                if (nibble < 0)
                {
                    return false;
                }

                value = (value << 4) | (uint)nibble;
            }

            return true;
        }

        private static byte[] ParseKey(string text)
        {
            byte[] hex = Encoding.UTF8.GetBytes(text);
            if (hex.Length != ProvisionedConfig.ArtifactKeyLength * 2)
            {
                return null;
            }

            byte[] key = new byte[ProvisionedConfig.ArtifactKeyLength];
            for (int i = 0; i < key.Length; i++)
            {
                int high = HexValue(hex[2 * i]);
                int low = HexValue(hex[(2 * i) + 1]);
                if (high < 0 || low < 0)
                {
                    return null;
                }

                key[i] = (byte)((high << 4) | low);
            }

            return key;
        }

        /// <summary>0-15 for 0-9 and a-f (lower case only, as the format writes them), -1 otherwise.</summary>
        private static int HexValue(byte b)
        {
            if (b >= (byte)'0' && b <= (byte)'9')
            {
                return b - '0';
            }

            if (b >= (byte)'a' && b <= (byte)'f')
            {
                return b - 'a' + 10;
            }

            return -1;
        }

        private static string Hex(byte[] data)
        {
            byte[] digits = new byte[data.Length * 2];
            for (int i = 0; i < data.Length; i++)
            {
                digits[2 * i] = HexDigit(data[i] >> 4);
                digits[(2 * i) + 1] = HexDigit(data[i] & 0xF);
            }

            return Encoding.UTF8.GetString(digits, 0, digits.Length);
        }

        private static string Hex32(uint value)
        {
            byte[] digits = new byte[8];
            for (int i = 0; i < 8; i++)
            {
                digits[i] = HexDigit((int)((value >> (28 - (4 * i))) & 0xF));
            }

            return Encoding.UTF8.GetString(digits, 0, digits.Length);
        }

        private static byte HexDigit(int nibble)
        {
            return (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
        }

        /// <summary>Printable ASCII without spaces (the key runs to the first '=').</summary>
        private static bool IsKey(byte[] data, int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                if (data[i] <= 0x20 || data[i] >= 0x7F)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or code points above U+10FFFF.</summary>
        private static bool IsUtf8(byte[] data, int start, int end)
        {
            int i = start;
            while (i < end)
            {
                int b = data[i];
                if (b < 0x80)
                {
                    i++;
                    continue;
                }

                int extra;
                int min;
                int cp;
                if ((b & 0xE0) == 0xC0)
                {
                    extra = 1;
                    min = 0x80;
                    cp = b & 0x1F;
                }
                else if ((b & 0xF0) == 0xE0)
                {
                    extra = 2;
                    min = 0x800;
                    cp = b & 0x0F;
                }
                else if ((b & 0xF8) == 0xF0)
                {
                    extra = 3;
                    min = 0x10000;
                    cp = b & 0x07;
                }
                else
                {
                    return false;
                }

                if (end - i <= extra)
                {
                    return false;
                }

                for (int k = 1; k <= extra; k++)
                {
                    int c = data[i + k];
                    if ((c & 0xC0) != 0x80)
                    {
                        return false;
                    }

                    cp = (cp << 6) | (c & 0x3F);
                }

                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                {
                    return false;
                }

                i += extra + 1;
            }

            return true;
        }

        private static bool HasControl(byte[] data, int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                if (data[i] < 0x20 || data[i] == 0x7F)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool HasLineBreak(byte[] data)
        {
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == Lf || data[i] == Cr)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool StartsWith(byte[] data, int start, int end, string ascii)
        {
            if (end - start < ascii.Length)
            {
                return false;
            }

            byte[] prefix = Encoding.UTF8.GetBytes(ascii);
            for (int i = 0; i < prefix.Length; i++)
            {
                if (data[start + i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static int IndexOf(string key)
        {
            for (int k = 0; k < KeyCount; k++)
            {
                if (Keys[k] == key)
                {
                    return k;
                }
            }

            return -1;
        }

        /// <summary>Bytes as text for a problem message; bytes that are not UTF-8 show as '?'.</summary>
        private static string Text(byte[] data, int start, int end)
        {
            if (end <= start)
            {
                return string.Empty;
            }

            if (IsUtf8(data, start, end))
            {
                return Encoding.UTF8.GetString(data, start, end - start);
            }

            byte[] printable = new byte[end - start];
            for (int i = start; i < end; i++)
            {
                printable[i - start] = data[i] >= 0x20 && data[i] < 0x7F ? data[i] : (byte)'?';
            }

            return Encoding.UTF8.GetString(printable, 0, printable.Length);
        }

        /// <summary>A value quoted for a message, cut to 40 characters.</summary>
        private static string Shown(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            if (bytes.Length <= 40)
            {
                return "\"" + value + "\"";
            }

            int cut = 40;
            while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            return "\"" + Encoding.UTF8.GetString(bytes, 0, cut) + "...\"";
        }

        private static string Line(int key, string value)
        {
            return Keys[key] + "=" + Or(value, string.Empty) + "\n";
        }

        private static string Or(string value, string fallback)
        {
            return value == null ? fallback : value;
        }

        private static int ByteLength(string value)
        {
            return value == null ? 0 : Encoding.UTF8.GetBytes(value).Length;
        }

        private static string[] ToArray(ArrayList list)
        {
            string[] array = new string[list.Count];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = (string)list[i];
            }

            return array;
        }
    }
}
