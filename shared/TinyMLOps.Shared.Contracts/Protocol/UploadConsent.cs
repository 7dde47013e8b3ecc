using System.Collections;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The consent vocabulary shared by the provisioned configuration, the hello and the host (docs/firmware.md,
    /// "Consent"). Optional uploads fall into <see cref="Count"/> categories; each has one setting. Service traffic
    /// (hello, heartbeat basics, acks, usage receipts, variant switches, model health, command results, chunk status,
    /// drop reports) is never subject to consent. Numbers are the wire values; they are never reused.
    /// </summary>
    public static class UploadConsent
    {
        /// <summary>Drift windows (<see cref="DriftPayload"/>).</summary>
        public const int Drift = 0;

        /// <summary>Federated learning: round participation and model-delta uploads.</summary>
        public const int Learning = 1;

        /// <summary>The operational telemetry section of the heartbeat.</summary>
        public const int Telemetry = 2;

        /// <summary>Categories this version knows.</summary>
        public const int Count = 3;

        /// <summary>Categories a hello may carry (later versions may add up to this many).</summary>
        public const int MaxCategories = 8;

        public const int Off = 0;
        public const int On = 1;

        /// <summary>Only while the link is not metered (Wi-Fi or Ethernet; not cellular or another metered link).</summary>
        public const int Wifi = 2;

        /// <summary>Only while the device runs on external power.</summary>
        public const int Charging = 3;

        /// <summary>Off until the user grants it on the device; the grant is persisted there and can be revoked.</summary>
        public const int Ask = 4;

        public const int SettingCount = 5;

        /// <summary>The configuration's value when the key is missing: drift and telemetry on, learning while charging.</summary>
        public const string DefaultText = "drift:on,learning:charging,telemetry:on";

        /// <summary>The default setting of each category (<see cref="DefaultText"/>).</summary>
        public static int[] Defaults()
        {
            return new int[] { On, Charging, On };
        }

        public static string CategoryName(int category)
        {
            switch (category)
            {
                case Drift: return "drift";
                case Learning: return "learning";
                case Telemetry: return "telemetry";
                default: return null;
            }
        }

        public static string SettingName(int setting)
        {
            switch (setting)
            {
                case Off: return "off";
                case On: return "on";
                case Wifi: return "wifi";
                case Charging: return "charging";
                case Ask: return "ask";
                default: return null;
            }
        }

        /// <summary>The category named, or -1.</summary>
        public static int ParseCategory(string name)
        {
            for (int c = 0; c < Count; c++)
            {
                if (CategoryName(c) == name)
                {
                    return c;
                }
            }

            return -1;
        }

        /// <summary>The setting named, or -1.</summary>
        public static int ParseSetting(string name)
        {
            for (int s = 0; s < SettingCount; s++)
            {
                if (SettingName(s) == name)
                {
                    return s;
                }
            }

            return -1;
        }

        /// <summary>
        /// Reads "category:setting" pairs separated by commas (for example <see cref="DefaultText"/>). Categories not
        /// named keep their default. Returns the settings, or null after adding each problem (unknown category or
        /// setting, a pair without ':', a category named twice) to <paramref name="problems"/> as a sentence.
        /// </summary>
        public static int[] Parse(string text, string what, ArrayList problems)
        {
            return Parse(text, Defaults(), what, problems);
        }

        /// <summary>As <see cref="Parse(string, string, ArrayList)"/>, with <paramref name="unnamed"/> for the categories the text does not name.</summary>
        public static int[] Parse(string text, int[] unnamed, string what, ArrayList problems)
        {
            int[] settings = new int[Count];
            for (int c = 0; c < Count; c++)
            {
                settings[c] = unnamed != null && c < unnamed.Length ? unnamed[c] : Defaults()[c];
            }

            int before = problems.Count;
            if (text == null || text.Length == 0)
            {
                problems.Add(what + " is empty (expected for example " + DefaultText + ")");
                return null;
            }

            bool[] seen = new bool[Count];
            string[] pairs = text.Split(new char[] { ',' });
            for (int i = 0; i < pairs.Length; i++)
            {
                string[] parts = pairs[i].Split(new char[] { ':' });
                if (parts.Length != 2)
                {
                    problems.Add(what + ": \"" + pairs[i] + "\" is not category:setting");
                    continue;
                }

                int category = ParseCategory(parts[0]);
                int setting = ParseSetting(parts[1]);
                if (category < 0)
                {
                    problems.Add(what + ": \"" + parts[0] + "\" is not drift, learning or telemetry");
                }
                else if (seen[category])
                {
                    problems.Add(what + ": " + parts[0] + " is given twice");
                }

                if (setting < 0)
                {
                    problems.Add(what + ": \"" + parts[1] + "\" is not off, on, wifi, charging or ask");
                }

                if (category >= 0 && setting >= 0 && !seen[category])
                {
                    settings[category] = setting;
                }

                if (category >= 0)
                {
                    seen[category] = true;
                }
            }

            return problems.Count == before ? settings : null;
        }

        /// <summary>"drift:on,learning:charging,telemetry:on": every known category, in category order.</summary>
        public static string Format(int[] settings)
        {
            string text = "";
            for (int c = 0; c < Count; c++)
            {
                int setting = settings != null && c < settings.Length ? settings[c] : Defaults()[c];
                text = text + (c == 0 ? "" : ",") + CategoryName(c) + ":" + SettingName(setting);
            }

            return text;
        }

        /// <summary>True when data of the category may never go up as things stand: off, or ask without the user's grant.</summary>
        public static bool IsDenied(int setting, bool granted)
        {
            return setting == Off || (setting == Ask && !granted);
        }
    }
}
