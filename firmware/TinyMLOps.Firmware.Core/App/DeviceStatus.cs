using System;
using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Core.Telemetry;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// What the device says about itself: the hello (identity and model from the configuration, power, boot count,
    /// outbox capacity, free memory, consent, the content hash active in each role) and the heartbeat (uptime, power,
    /// outbox, inferences, and the telemetry section when the configuration and the consent let it go up).
    /// </summary>
    public sealed class DeviceStatus : IDeviceStatus
    {
        private readonly DeviceConfig _config;
        private readonly uint _bootCount;
        private readonly Outbox _outbox;
        private readonly IPower _power;
        private readonly IMemoryInfo _memory;
        private readonly ConsentGate _consent;
        private readonly VariantManager _variants;
        private readonly OpsTelemetry _telemetry;
        private readonly InferenceActivity _activity;

        /// <param name="config">Read at each hello: the model id follows the loaded model.</param>
        /// <param name="memory">Free heap and flash; null reports 0 (unknown).</param>
        /// <param name="variants">The role slots; null on a device without them (the hello then has no installed section).</param>
        public DeviceStatus(DeviceConfig config, uint bootCount, Outbox outbox, IPower power, IMemoryInfo memory, ConsentGate consent, VariantManager variants, OpsTelemetry telemetry, InferenceActivity activity)
        {
            _config = config;
            _bootCount = bootCount;
            _outbox = outbox;
            _power = power;
            _memory = memory;
            _consent = consent;
            _variants = variants;
            _telemetry = telemetry;
            _activity = activity;
        }

        public HelloPayload Hello()
        {
            HelloPayload h = new HelloPayload();
            h.Board = _config.Board;
            h.FirmwareVersion = _config.FirmwareVersion;
            h.ModelId = _config.ModelId;
            h.ModelVersion = _config.ModelVersion;
            h.KernelMask = _config.KernelMask;
            h.PowerSource = _power.Source;
            h.BatteryPercent = Battery();
            h.BootCount = _bootCount;
            h.OutboxCapacityBytes = (uint)_outbox.CapacityBytes;
            if (_memory != null)
            {
                h.FreeHeapBytes = Clamp(_memory.FreeHeapBytes);
                h.FreeFlashBytes = Clamp(_memory.FreeFlashBytes);
            }

            h.ConsentSettings = _consent.Policy.Settings();
            h.ConsentGranted = _consent.Policy.GrantedMask;
            h.InstalledHashes = InstalledHashes();

            // The kernels section follows the installed one: a device without role slots sends neither.
            h.KernelBackend = h.InstalledHashes != null ? _config.KernelBackend : null;
            return h;
        }

        public HeartbeatPayload Heartbeat(long nowMillis)
        {
            HeartbeatPayload h = new HeartbeatPayload();
            h.UptimeSeconds = (uint)(nowMillis / 1000);
            h.PowerSource = _power.Source;
            h.BatteryPercent = Battery();
            h.OutboxEntries = _outbox.PendingCount;
            h.OutboxBytes = (uint)_outbox.PendingBytes;
            h.DroppedTotal = _outbox.DroppedTotal + _outbox.RefusedTotal;
            h.Inferences = _activity.Inferences;
            h.BootCount = _bootCount;
            _telemetry.SampleHeap();
            if (_config.SendTelemetry && _consent.TelemetryAllowed && _telemetry.Count > 0)
            {
                h.Telemetry = _telemetry.ToWire();
            }

            return h;
        }

        /// <summary>
        /// The first bytes of the active model's content hash per role (plugged, battery; zeros for none), so the host can
        /// tell a flash image restored to an older model from what it installed; null without variant slots.
        /// </summary>
        private byte[][] InstalledHashes()
        {
            if (_variants == null)
            {
                return null;
            }

            byte[][] hashes = new byte[ModelRoles.Count][];
            for (ModelRole role = ModelRole.Plugged; role <= ModelRole.Battery; role++)
            {
                byte[] hash = new byte[HelloPayload.InstalledHashBytes];
                byte[] active = _variants.Store.Slots(role).ActiveContentHash;
                if (active != null)
                {
                    Array.Copy(active, 0, hash, 0, HelloPayload.InstalledHashBytes);
                }

                hashes[ModelRoles.Index(role)] = hash;
            }

            return hashes;
        }

        private int Battery()
        {
            int battery = _power.BatteryPercent;
            return battery < 0 || battery > 100 ? HelloPayload.NoBattery : battery;
        }

        private static uint Clamp(long bytes)
        {
            return bytes < 0 ? 0 : (bytes > 0xFFFFFFFFL ? 0xFFFFFFFF : (uint)bytes);
        }
    }
}
