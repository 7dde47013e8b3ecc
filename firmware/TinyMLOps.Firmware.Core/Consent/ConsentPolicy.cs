using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Consent
{
    /// <summary>
    /// What the device may upload beyond its service traffic, per category (<see cref="UploadConsent"/>: drift, learning,
    /// telemetry): the provisioned setting (off, on, wifi, charging, ask) and the user's grants for "ask", which
    /// <see cref="Grant"/> and <see cref="Revoke"/> persist in "consent.dat" (a <see cref="SmallFile"/>: u8 format
    /// version, u8 granted bits), so they survive a reboot. <see cref="Allows"/> is the truth table the consent gate applies
    /// on every poll; <see cref="IsDenied"/> says whether queued data of a category must be withdrawn.
    /// </summary>
    public sealed class ConsentPolicy
    {
        public const string FileName = "consent.dat";

        private const int FileFormat = 1;

        private readonly IStorage _storage;
        private readonly int[] _settings;
        private int _granted;

        /// <param name="settings">The setting of each category, index = category; missing entries take the default.</param>
        public ConsentPolicy(IStorage storage, int[] settings)
        {
            if (storage == null)
            {
                throw new ArgumentNullException("storage");
            }

            _storage = storage;
            int[] defaults = UploadConsent.Defaults();
            _settings = new int[UploadConsent.Count];
            for (int c = 0; c < UploadConsent.Count; c++)
            {
                int setting = settings != null && c < settings.Length ? settings[c] : defaults[c];
                if (setting < 0 || setting >= UploadConsent.SettingCount)
                {
                    throw new ArgumentException("consent setting " + setting + " of " + UploadConsent.CategoryName(c));
                }

                _settings[c] = setting;
            }

            byte[] body = SmallFile.Read(storage, FileName);
            if (body != null && body.Length == 2 && body[0] == FileFormat)
            {
                _granted = body[1] & ((1 << UploadConsent.Count) - 1);
            }
        }

        /// <summary>Bit c set when the user granted category c.</summary>
        public int GrantedMask
        {
            get { return _granted; }
        }

        /// <summary>The provisioned setting of a category.</summary>
        public int Setting(int category)
        {
            return _settings[category];
        }

        /// <summary>A copy of the settings, index = category (what the hello reports).</summary>
        public int[] Settings()
        {
            int[] copy = new int[_settings.Length];
            Array.Copy(_settings, copy, copy.Length);
            return copy;
        }

        public bool IsGranted(int category)
        {
            return (_granted & (1 << category)) != 0;
        }

        /// <summary>True when nothing of the category may go up until the settings or the user's grant change (off, or ask not granted).</summary>
        public bool IsDenied(int category)
        {
            return UploadConsent.IsDenied(_settings[category], IsGranted(category));
        }

        /// <summary>Whether data of the category may be produced and sent now.</summary>
        /// <param name="metered">The link is metered (<see cref="INetwork.IsMetered"/>).</param>
        /// <param name="plugged">The device runs on external power.</param>
        public bool Allows(int category, bool metered, bool plugged)
        {
            return Allows(_settings[category], IsGranted(category), metered, plugged);
        }

        /// <summary>
        /// The truth table: off never; on always; wifi while the link is not metered; charging on external power; ask
        /// once the user granted it.
        /// </summary>
        public static bool Allows(int setting, bool granted, bool metered, bool plugged)
        {
            switch (setting)
            {
                case UploadConsent.On: return true;
                case UploadConsent.Wifi: return !metered;
                case UploadConsent.Charging: return plugged;
                case UploadConsent.Ask: return granted;
                default: return false;
            }
        }

        /// <summary>Why the category may not go up now, for refusals and logs ("consent: learning is off"), or null when it may.</summary>
        public string Why(int category, bool metered, bool plugged)
        {
            if (Allows(category, metered, plugged))
            {
                return null;
            }

            string name = UploadConsent.CategoryName(category);
            switch (_settings[category])
            {
                case UploadConsent.Wifi: return "consent: " + name + " waits for a link that is not metered";
                case UploadConsent.Charging: return "consent: " + name + " waits for external power";
                case UploadConsent.Ask: return "consent: " + name + " is not granted by the user";
                default: return "consent: " + name + " is off";
            }
        }

        /// <summary>The user grants a category (it matters for "ask"); persisted. True when this changed the grants.</summary>
        public bool Grant(int category)
        {
            return SetGranted(_granted | (1 << Check(category)));
        }

        /// <summary>The user takes a grant back; persisted. True when this changed the grants.</summary>
        public bool Revoke(int category)
        {
            return SetGranted(_granted & ~(1 << Check(category)));
        }

        private static int Check(int category)
        {
            if (category < 0 || category >= UploadConsent.Count)
            {
                throw new ArgumentException("no consent category " + category);
            }

            return category;
        }

        private bool SetGranted(int granted)
        {
            if (granted == _granted)
            {
                return false;
            }

            byte[] body = new byte[] { FileFormat, (byte)granted };
            SmallFile.Write(_storage, FileName, body, body.Length);
            _granted = granted;
            return true;
        }
    }
}
