using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// The device's sync loop, one non-blocking step per <see cref="Poll"/>: (re)connect with backoff when the power
    /// policy allows, take the downlink (acks, commands, model chunks), step the device's parts
    /// (<see cref="ISyncPart"/>), queue heartbeats and drop reports, and publish the outbox oldest first with a bounded
    /// number of unacked messages in flight. Everything uplink goes through the outbox, so nothing is lost to a dropped
    /// link or a reboot; the host deduplicates the resends by (device, sequence). The composition builds the parts and
    /// hands them in.
    /// </summary>
    public sealed class DeviceAgent
    {
        /// <summary>Downlink messages taken per poll, so one poll stays short.</summary>
        public const int MaxInboundPerPoll = 64;

        private readonly SyncOptions _options;
        private readonly ITransport _transport;
        private readonly Outbox _outbox;
        private readonly Downlink _downlink;
        private readonly PowerPolicy _policy;
        private readonly IDeviceStatus _status;
        private readonly IUploadGate _gate;
        private readonly IDownloadConsumer _installs;
        private readonly ISyncPart[] _parts;
        private readonly IClock _clock;
        private readonly IPower _power;
        private readonly ILog _log;
        private readonly Backoff _backoff;
        private readonly string _downFilter;
        private bool _connected;
        private long _nextConnectAt;
        private long _nextHeartbeatAt;

        /// <param name="installs">Installs and reports on every poll (the variant manager; the downlink also hands it completed transfers), or null.</param>
        /// <param name="parts">Stepped on every poll, in this order.</param>
        /// <param name="random">Jitters the reconnect backoff.</param>
        public DeviceAgent(SyncOptions options, ITransport transport, Outbox outbox, Downlink downlink, PowerPolicy policy, IDeviceStatus status,
            IUploadGate gate, IDownloadConsumer installs, ISyncPart[] parts, IClock clock, IPower power, ILog log, Random random)
        {
            CheckIdentity(options.Fleet, options.DeviceId);
            _options = options;
            _transport = transport;
            _outbox = outbox;
            _downlink = downlink;
            _policy = policy;
            _status = status;
            _gate = gate;
            _installs = installs;
            _parts = parts;
            _clock = clock;
            _power = power;
            _log = log;
            _downFilter = Topics.DownFilter(options.Fleet, options.DeviceId);
            _backoff = new Backoff(options.BackoffInitialMillis, options.BackoffMaxMillis, random, Backoff.FullJitter);
            _nextHeartbeatAt = clock.UptimeMillis + (options.HeartbeatIntervalSeconds * 1000L);
        }

        public bool IsConnected
        {
            get { return _connected; }
        }

        public int ConnectAttempts { get; private set; }

        public int Connects { get; private set; }

        public int LinkDrops { get; private set; }

        public int Publishes { get; private set; }

        public int Resends { get; private set; }

        /// <summary>Uptime at which the next connect may be tried.</summary>
        public long NextConnectAtMillis
        {
            get { return _nextConnectAt; }
        }

        /// <summary>Throws unless the fleet and device id can name MQTT topics (1 to 32 of A-Z a-z 0-9 - _ .).</summary>
        public static void CheckIdentity(string fleet, string deviceId)
        {
            if (!WireCodec.IsValidDeviceId(deviceId) || !WireCodec.IsValidDeviceId(fleet))
            {
                throw new ArgumentException("device id and fleet must be 1 to 32 of A-Z a-z 0-9 - _ .");
            }
        }

        /// <summary>Queues a hello when the link is up: for a change the host should hear at once (the user's consent).</summary>
        public void SayHello()
        {
            if (_connected)
            {
                EnqueueHello();
            }
        }

        public void Poll()
        {
            long now = _clock.UptimeMillis;

            // Before the downlink: a round invite is answered by this poll's consent.
            _gate.Refresh();
            if (_connected && !_transport.IsConnected)
            {
                LinkLost(now, "transport disconnected");
            }

            bool maySync = _policy.MaySync(_power);
            if (!_connected && maySync && now >= _nextConnectAt)
            {
                TryConnect(now);
            }
            else if (_connected && !maySync)
            {
                // Save the battery: the outbox keeps everything until power allows again.
                _transport.Disconnect();
                _connected = false;
                _nextConnectAt = now;
                _log.Info("sync paused by the power policy");
            }

            if (_connected)
            {
                DrainInbound();
            }

            InstallAndReport();
            for (int i = 0; i < _parts.Length; i++)
            {
                _parts[i].Poll(now);
            }

            if (now >= _nextHeartbeatAt)
            {
                Enqueue(MessageKind.Heartbeat, _status.Heartbeat(now).Encode(), true);
                _nextHeartbeatAt = now + (_options.HeartbeatIntervalSeconds * 1000L);
            }

            if (_outbox.HasDropReport)
            {
                _outbox.EnqueueDropReport(_clock.UnixSeconds);
            }

            if (_connected)
            {
                PublishPending(now);
            }
        }

        private void TryConnect(long now)
        {
            ConnectAttempts++;
            if (_transport.Connect() && _transport.Subscribe(_downFilter))
            {
                _connected = true;
                Connects++;
                _backoff.Reset();
                for (int i = 0; i < _outbox.PendingCount; i++)
                {
                    _outbox.GetPending(i).SentAtMillis = -1;
                }

                EnqueueHello();
                for (int i = 0; i < _parts.Length; i++)
                {
                    _parts[i].Connected();
                }

                _downlink.Connected();

                _log.Info("connected (" + _outbox.PendingCount + " pending)");
                return;
            }

            _transport.Disconnect();
            _nextConnectAt = now + _backoff.NextDelayMillis();
        }

        private void LinkLost(long now, string why)
        {
            _transport.Disconnect();
            _connected = false;
            LinkDrops++;
            _nextConnectAt = now + _backoff.NextDelayMillis();
            _log.Warn("link lost: " + why);
        }

        private void DrainInbound()
        {
            for (int n = 0; n < MaxInboundPerPoll; n++)
            {
                InboundMessage inbound = _transport.Receive();
                if (inbound == null)
                {
                    return;
                }

                if (_downlink.Take(inbound))
                {
                    EnqueueHello();
                }
            }
        }

        /// <summary>
        /// Lets the variant manager install and report; after an install, a device that still waits for another assigned
        /// transfer says hello again, which makes the host resend that transfer's missing chunks (refused while this one was
        /// in progress).
        /// </summary>
        private void InstallAndReport()
        {
            if (_installs != null && _installs.InstallAndReport() && _connected)
            {
                EnqueueHello();
            }
        }

        private void PublishPending(long now)
        {
            long timeout = _options.AckTimeoutMillis;
            int inFlight = 0;
            for (int i = 0; i < _outbox.PendingCount; i++)
            {
                OutboxEntry e = _outbox.GetPending(i);
                if (e.SentAtMillis >= 0 && now - e.SentAtMillis < timeout)
                {
                    inFlight++;
                }
            }

            for (int i = 0; i < _outbox.PendingCount && inFlight < _options.MaxInFlight; i++)
            {
                OutboxEntry e = _outbox.GetPending(i);
                if ((e.SentAtMillis >= 0 && now - e.SentAtMillis < timeout) || _gate.HeldBack(e.Kind))
                {
                    continue;
                }

                byte[] encoded = _outbox.ReadEncoded(e);
                if (!_transport.Publish(Topics.Up(_options.Fleet, _options.DeviceId, e.Kind), encoded))
                {
                    LinkLost(now, "publish of " + e.Sequence + " failed");
                    return;
                }

                if (e.SendCount > 0)
                {
                    Resends++;
                }

                e.SentAtMillis = now;
                e.SendCount++;
                Publishes++;
                inFlight++;
            }
        }

        private void EnqueueHello()
        {
            Enqueue(MessageKind.Hello, _status.Hello().Encode(), true);
        }

        private EnqueueResult Enqueue(int kind, byte[] payload, bool droppable)
        {
            return _outbox.Enqueue(kind, payload, _clock.UnixSeconds, droppable);
        }
    }
}
