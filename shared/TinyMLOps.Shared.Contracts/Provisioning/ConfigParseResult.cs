namespace TinyMLOps.Shared.Provisioning
{
    /// <summary>What <see cref="ConfigFile.Parse"/> made of a configuration file: the configuration, or every reason it is unusable.</summary>
    public sealed class ConfigParseResult
    {
        public ConfigParseResult(ProvisionedConfig config, string[] problems)
        {
            Problems = problems == null ? new string[0] : problems;
            Config = Problems.Length == 0 ? config : null;
            Partial = config;
        }

        /// <summary>The configuration; null when the file is unusable.</summary>
        public ProvisionedConfig Config;

        /// <summary>
        /// Whatever could be read, defaults elsewhere, even when the file is unusable (null when it is not a configuration
        /// file at all). For diagnostics only, such as finding the status LED to blink the error on.
        /// </summary>
        public ProvisionedConfig Partial;

        /// <summary>Every missing or invalid key, one readable sentence each (for example "missing wifi.ssid").</summary>
        public string[] Problems;

        public bool IsValid
        {
            get { return Problems.Length == 0; }
        }

        /// <summary>The problems, one per line (empty when valid).</summary>
        public string Describe()
        {
            string text = string.Empty;
            for (int i = 0; i < Problems.Length; i++)
            {
                text = i == 0 ? Problems[i] : text + "\n" + Problems[i];
            }

            return text;
        }
    }
}
