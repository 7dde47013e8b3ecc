using System;
using System.Text;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>
    /// The device side of a federated round. <see cref="Handle"/> answers the <see cref="RoundInvite.CommandName"/>
    /// command at once: refused with the reason (deadline passed, base mismatch, too few layers or samples, not enough
    /// RAM), or accepted and remembered in "round.dat". <see cref="Poll"/> trains later, when the round's policy allows
    /// (plugged in, battery, idle), on the newest samples of <see cref="Samples"/>; it uploads delta = local − global,
    /// clipped, int8-encoded with optional top-k and error feedback, as chunks through the outbox, and drops the round
    /// after its deadline. Durability (see <see cref="Commit"/>): a restart at any point never uploads two different
    /// updates for a round and never loses the residual.
    /// </summary>
    public sealed class FederatedClient : ICommandHandler
    {
        public const string RoundFile = "round.dat";
        public const string ResidualFileName = "residual.dat";
        public const string SampleFile = "samples.dat";

        public const int StateNone = 0;
        public const int StatePending = 1;
        public const int StateUploaded = 2;
        public const int StateDropped = 3;

        private const int RoundFormat = 1;

        private readonly IStorage _storage;
        private readonly VariantStore _models;
        private readonly ChunkedUpload _uploads;
        private readonly string _deviceId;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly LearningOptions _options;
        private RoundInvite _invite;
        private int _roundState;
        private uint _transferId;
        private string _dropReason = "";
        private int _acceptedSamples;
        private byte[] _upload;
        private bool _recovered;
        private TrainableHead _featureHead;
        private string _state = "idle";

        /// <param name="memory">Free heap to size training against; null (or -1 from it) skips the check.</param>
        public FederatedClient(IStorage storage, VariantStore models, ChunkedUpload uploads, string deviceId, IClock clock, ILog log, LearningOptions options, IMemoryInfo memory)
        {
            _storage = storage;
            _models = models;
            _uploads = uploads;
            _deviceId = deviceId;
            _clock = clock;
            _log = log;
            _options = options;
            Memory = memory;
            Samples = new SampleStore(storage, SampleFile, options.SampleCapacity, options.SaveEvery);
            LoadRound();
        }

        public SampleStore Samples { get; private set; }

        /// <summary>Free heap to size training against; null (or -1 from it) skips the check.</summary>
        public IMemoryInfo Memory { get; private set; }

        /// <summary>The head whose input the app captures (<see cref="UseModel"/>), or null.</summary>
        public TrainableHead FeatureHead
        {
            get { return _featureHead; }
        }

        /// <summary>The latest round's id, or null.</summary>
        public string RoundId
        {
            get { return _invite == null ? null : _invite.RoundId; }
        }

        /// <summary>The latest round's state: <see cref="StateNone"/>, pending, uploaded or dropped.</summary>
        public int RoundState
        {
            get { return _roundState; }
        }

        /// <summary>The last transfer id used for an upload (a persisted counter; each commit takes the next).</summary>
        public uint TransferId
        {
            get { return _transferId; }
        }

        /// <summary>Why the latest round was dropped, or "".</summary>
        public string DropReason
        {
            get { return _dropReason; }
        }

        /// <summary>What the client does or waits for, for logs and the host's views.</summary>
        public string State
        {
            get { return _state; }
        }

        /// <summary>
        /// Set from the device's consent on every poll (the consent gate): while
        /// not null, new round invites are refused with this reason (learning is off, or "ask" without the user's grant).
        /// </summary>
        public string ConsentRefusal { get; set; }

        /// <summary>Set from the device's consent while a conditional one (wifi, charging) is unmet: a pending round neither trains nor queues its update.</summary>
        public string ConsentWait { get; set; }

        /// <summary>True while a committed upload waits for room in the outbox.</summary>
        public bool UploadWaiting
        {
            get { return _upload != null; }
        }

        /// <summary>The last local training's figures, or null before the first one since boot.</summary>
        public TrainingResult LastTraining { get; private set; }

        /// <summary>Local trainings run since boot.</summary>
        public int Trainings { get; private set; }

        /// <summary>The largest <see cref="TrainingRamBytes"/> of a training since boot, with the real upload size.</summary>
        public int PeakTrainingBytes { get; private set; }

        /// <summary>Updates queued in the outbox since boot.</summary>
        public int RoundsUploaded { get; private set; }

        /// <summary>
        /// An upper estimate of the heap local training takes beyond the model and the samples: the trainer
        /// (<see cref="HeadTrainer.RamBytes"/>), the global-then-delta tensors, the encoder's residual and the residual read
        /// from flash, the encoded tensors, the encoded update twice (the writer's buffer and its copy), and one file part.
        /// </summary>
        public static int TrainingRamBytes(TrainableHead head, int samples, float keepFraction)
        {
            return Estimate(head, samples, keepFraction, -1);
        }

        /// <summary>
        /// Binds the samples to the model the app runs: the head of its last fully connected layers, at most
        /// <see cref="LearningOptions.FeatureLayers"/>, whose input the app should capture
        /// (<see cref="Classifier.SetFeatureTap"/> at <see cref="TrainableHead.FirstOperator"/>). Samples kept for another
        /// extractor are discarded. Returns null when the model ends in no fully connected layer (nothing to learn).
        /// </summary>
        public TrainableHead UseModel(Int8Model model)
        {
            int layers = TrainableHead.TrainableLayers(model);
            if (layers > _options.FeatureLayers)
            {
                layers = _options.FeatureLayers;
            }

            if (layers > TrainableHead.MaxLayers)
            {
                layers = TrainableHead.MaxLayers;
            }

            if (layers < 1)
            {
                _featureHead = null;
                return null;
            }

            TrainableHead head = TrainableHead.Find(model, layers);
            Samples.Load(head.ExtractorFingerprint(model), head.FeatureLength, head.FeatureScale, head.FeatureZeroPoint);
            if (Samples.Discarded.Length > 0)
            {
                _log.Warn("learning: stored samples discarded (" + Samples.Discarded + ")");
            }

            _featureHead = head;
            return head;
        }

        /// <summary>Stores one labelled sample (features captured at the feature head's input); false when it cannot be used.</summary>
        public bool AddSample(sbyte[] features, int offset, int label)
        {
            if (_featureHead == null || label < 0 || label >= _featureHead.ClassCount)
            {
                return false;
            }

            Samples.Add(features, offset, label);
            return true;
        }

        /// <summary>The round-invite command: accept (and remember) the round, or refuse it with the reason.</summary>
        public int Handle(CommandPayload command, out string detail)
        {
            RoundInvite invite;
            try
            {
                invite = RoundInvite.Decode(command.Arguments);
            }
            catch (ProtocolException e)
            {
                detail = e.Message;
                return CommandResultPayload.Refused;
            }

            if (_invite != null && _invite.RoundId == invite.RoundId)
            {
                // A repeat (a new command id for the same round): answer as before, change nothing.
                if (_roundState == StateDropped)
                {
                    detail = "round " + invite.RoundId + " was dropped: " + _dropReason;
                    return CommandResultPayload.Refused;
                }

                detail = _roundState == StateUploaded ? "uploaded as transfer " + _transferId : "accepted: " + _acceptedSamples + " samples";
                return CommandResultPayload.Ok;
            }

            int samples = 0;
            string refusal = ConsentRefusal;
            if (refusal == null)
            {
                refusal = Check(invite, out samples);
            }
            if (refusal != null)
            {
                detail = refusal;
                _log.Info("learning: round " + invite.RoundId + " refused: " + refusal);
                return CommandResultPayload.Refused;
            }

            if (_invite != null && _roundState == StatePending)
            {
                if (!_recovered)
                {
                    Recover();
                }

                if (_upload != null)
                {
                    // A committed update goes out if it still can: all of it may be queued already from before a restart.
                    uint now = _clock.UnixSeconds;
                    if (now == 0 || now <= _invite.Deadline)
                    {
                        Enqueue(now);
                    }

                    if (_upload != null)
                    {
                        ReturnUpload();
                    }
                }

                if (_roundState == StatePending)
                {
                    _log.Warn("learning: round " + _invite.RoundId + " replaced by " + invite.RoundId);
                }
            }

            _invite = invite;
            _roundState = StatePending;
            _dropReason = "";
            _acceptedSamples = samples;
            _upload = null;
            _recovered = true;
            SaveRound();
            _state = "round " + invite.RoundId + ": accepted";
            detail = "accepted: " + samples + " samples";
            _log.Info("learning: round " + invite.RoundId + " " + detail);
            return CommandResultPayload.Ok;
        }

        /// <summary>
        /// One step: drops a pending round after its deadline, waits while its policy says so (external power when
        /// required, <paramref name="heavyWorkAllowed"/> on battery, <see cref="RoundInvite.IdleSeconds"/>), else trains,
        /// commits and queues the update; an update the outbox had no room for is queued again on a later step.
        /// </summary>
        /// <param name="nowUnix">Wall clock; 0 (not set) never passes a deadline.</param>
        /// <param name="idleSeconds">Seconds since the last inference.</param>
        public void Poll(uint nowUnix, bool plugged, bool heavyWorkAllowed, long idleSeconds)
        {
            if (_invite == null || _roundState != StatePending)
            {
                return;
            }

            if (!_recovered)
            {
                Recover();
            }

            bool late = nowUnix != 0 && nowUnix > _invite.Deadline;
            if (_upload != null)
            {
                if (late)
                {
                    ReturnUpload();
                    Drop("deadline passed before the outbox took the update");
                    return;
                }

                if (ConsentWait != null)
                {
                    Wait(ConsentWait);
                    return;
                }

                Enqueue(nowUnix);
                return;
            }

            if (late)
            {
                Drop("deadline passed");
                return;
            }

            if (ConsentWait != null)
            {
                Wait(ConsentWait);
                return;
            }

            if (_invite.RequirePlugged && !plugged)
            {
                Wait("waiting for external power");
                return;
            }

            if (!heavyWorkAllowed)
            {
                Wait("waiting for the battery");
                return;
            }

            if (idleSeconds < _invite.IdleSeconds)
            {
                Wait("waiting for " + _invite.IdleSeconds + " s without inference");
                return;
            }

            Train(nowUnix);
        }

        /// <summary>
        /// Consent for learning was taken back: a pending round is dropped with the reason (a committed update that did
        /// not go out returns to the residual). Its chunks already queued are the consent gate's to withdraw from the outbox.
        /// </summary>
        public void Withdraw(string reason)
        {
            if (_invite == null || _roundState != StatePending)
            {
                return;
            }

            if (!_recovered)
            {
                Recover();
            }

            if (_upload != null)
            {
                ReturnUpload();
            }

            Drop(reason);
        }

        private string Check(RoundInvite invite, out int samples)
        {
            samples = 0;
            uint now = _clock.UnixSeconds;
            if (now != 0 && now > invite.Deadline)
            {
                return "deadline passed";
            }

            string why;
            Int8Model model = ReadBase(invite, out why);
            if (model == null)
            {
                return why;
            }

            int available = TrainableHead.TrainableLayers(model);
            if (available < invite.Layers)
            {
                return "the model ends in " + available + " fully connected layers; " + invite.Layers + " asked";
            }

            TrainableHead head = TrainableHead.Find(model, invite.Layers);
            uint fingerprint = head.ExtractorFingerprint(model);
            if (Samples.Count > 0 && !SamplesFit(head, fingerprint))
            {
                if (_featureHead != null && _featureHead.LayerCount != head.LayerCount)
                {
                    return "samples are features of " + _featureHead.LayerCount + "-layer heads; " + invite.Layers + " asked";
                }

                return "samples are features of another extractor";
            }

            int n = SamplesFit(head, fingerprint) ? Samples.Count : 0;
            if (n > invite.MaxSamples)
            {
                n = invite.MaxSamples;
            }

            if (n < invite.MinSamples)
            {
                return n + " samples < " + invite.MinSamples;
            }

            IMemoryInfo memory = Memory;
            long free = memory == null ? -1 : memory.FreeHeapBytes;
            int need = TrainingRamBytes(head, n, invite.KeepFraction);
            if (free >= 0 && need > free - _options.MemoryMarginBytes)
            {
                return "training needs " + need + " bytes, " + free + " free (" + _options.MemoryMarginBytes + " kept)";
            }

            samples = n;
            return null;
        }

        /// <summary>The role's model when its content hash is the invite's base, else null with the reason.</summary>
        private Int8Model ReadBase(RoundInvite invite, out string why)
        {
            ModelRole role = (ModelRole)invite.Role;
            ModelRole serving = _models.Resolve(role);
            if (serving == ModelRole.None)
            {
                why = "no model in role " + ModelRoles.Name(role);
                return null;
            }

            ModelSlots slots = _models.Slots(serving);
            if (!ArtifactTag.FixedTimeEquals(slots.ActiveContentHash, invite.BaseHash))
            {
                why = "base mismatch: runs " + slots.ActiveVariantId;
                return null;
            }

            byte[] bytes = slots.ReadActive();
            if (bytes != null)
            {
                try
                {
                    why = null;
                    return ModelReader.Read(bytes);
                }
                catch (ModelFormatException)
                {
                }
            }

            why = "base model unreadable";
            return null;
        }

        private bool SamplesFit(TrainableHead head, uint fingerprint)
        {
            return Samples.IsLoaded && Samples.Fingerprint == fingerprint && Samples.FeatureLength == head.FeatureLength;
        }

        private void Train(uint nowUnix)
        {
            string why;
            Int8Model model = ReadBase(_invite, out why);
            if (model == null)
            {
                Drop(why);
                return;
            }

            if (TrainableHead.TrainableLayers(model) < _invite.Layers)
            {
                Drop("the model has too few fully connected layers");
                return;
            }

            TrainableHead head = TrainableHead.Find(model, _invite.Layers);
            uint fingerprint = head.ExtractorFingerprint(model);
            int n = SamplesFit(head, fingerprint) ? Samples.Count : 0;
            if (n > _invite.MaxSamples)
            {
                n = _invite.MaxSamples;
            }

            if (n < _invite.MinSamples)
            {
                Drop(n + " samples left < " + _invite.MinSamples);
                return;
            }

            // The samples a round trained on survive a restart (a retrain after one sees the same set).
            Samples.Save();
            _state = "round " + _invite.RoundId + ": training on " + n + " samples";
            byte[] encoded;
            ResidualFile residual;
            try
            {
                residual = TrainAndEncode(model, head, fingerprint, n, out encoded);
            }
            catch (ArgumentException e)
            {
                // Diverged (a non-finite update) or labels the head does not have.
                Drop("training failed: " + e.Message);
                return;
            }

            int peak = Estimate(head, n, _invite.KeepFraction, encoded.Length);
            if (peak > PeakTrainingBytes)
            {
                PeakTrainingBytes = peak;
            }

            Commit(residual, encoded);
            Enqueue(nowUnix);
        }

        /// <summary>Trains, clips and encodes; returns the residual after this round (not yet saved) and the update's bytes.</summary>
        private ResidualFile TrainAndEncode(Int8Model model, TrainableHead head, uint fingerprint, int n, out byte[] encoded)
        {
            HeadTrainer trainer = new HeadTrainer(head);
            float[][] tensors = head.NewTensors();
            head.Dequantize(model, tensors);
            trainer.SetGlobal(tensors);

            // Devices of one round draw different shuffles and roundings from the round's seed.
            Random rng = new Random((int)(_invite.Seed ^ DeviceSeed(_deviceId)));
            TrainingParams p = new TrainingParams();
            p.Epochs = _invite.Epochs;
            p.BatchSize = _invite.BatchSize;
            p.LearningRate = _invite.LearningRate;
            p.ProximalMu = _invite.ProximalMu;
            LastTraining = trainer.Train(Samples.Latest(n), p, rng);
            Trainings++;
            trainer.Delta(tensors);
            float poison = _options.PoisonFactor;
            if (poison != 1f)
            {
                for (int t = 0; t < tensors.Length; t++)
                {
                    float[] d = tensors[t];
                    for (int i = 0; i < d.Length; i++)
                    {
                        d[i] *= poison;
                    }
                }
            }

            DeltaCodec.ClipL2(tensors, _invite.ClipNorm);
            string[] names = head.TensorNames();
            int[] sizes = head.TensorSizes();
            DeltaEncoder encoder = new DeltaEncoder(names, sizes, _invite.KeepFraction, _invite.ErrorFeedback, rng);
            ResidualFile kept = ResidualFile.Read(_storage, ResidualFileName);
            if (kept != null && !kept.Matches(fingerprint, head))
            {
                _log.Info("learning: residual reset (the head or its extractor changed)");
                kept = null;
            }

            if (kept != null && _invite.ErrorFeedback)
            {
                for (int t = 0; t < kept.Values.Length; t++)
                {
                    Array.Copy(kept.Values[t], encoder.Residual(t), kept.Values[t].Length);
                }
            }

            ModelDelta delta = encoder.Encode(_invite.RoundId, _invite.BaseVariantId, (uint)n, tensors);
            encoded = delta.Encode();
            ResidualFile after = new ResidualFile();
            after.Fingerprint = fingerprint;
            after.Names = names;
            after.Sizes = sizes;
            after.Values = new float[names.Length][];
            for (int t = 0; t < names.Length; t++)
            {
                // A round without error feedback leaves the residual for a later round that has it.
                after.Values[t] = _invite.ErrorFeedback ? encoder.Residual(t) : (kept != null ? kept.Values[t] : new float[sizes[t]]);
            }

            return after;
        }

        /// <summary>
        /// Makes the round's update durable before any of it enters the outbox. First round.dat takes the next transfer
        /// id, so an id is never used for two different byte strings even if residual.dat is lost later. Then the commit
        /// point: residual.dat is replaced, in one atomic rename, by the residual after this round together with the
        /// round id, the transfer id and the encoded update. A restart before the rename finds the old residual and no
        /// commit, and trains again (nothing went out); after it, the update is queued again from the file with the same
        /// transfer id and the same bytes, which the host's chunk reassembly takes as resends of one transfer. round.dat
        /// says uploaded only after the outbox took every chunk. Saving the residual after the enqueue instead would upload
        /// a second, different update after a restart in between; saving it first without the update would lose it.
        /// </summary>
        private void Commit(ResidualFile residual, byte[] encoded)
        {
            _transferId++;
            SaveRound();
            residual.RoundId = _invite.RoundId;
            residual.TransferId = _transferId;
            residual.Upload = encoded;
            residual.Write(_storage, ResidualFileName);
            _upload = encoded;
        }

        private void Enqueue(uint nowUnix)
        {
            EnqueueResult queued = _uploads.Upload(_transferId, ModelDelta.ContentType, _upload, nowUnix);
            if (queued.Accepted)
            {
                int bytes = _upload.Length;
                _upload = null;
                _roundState = StateUploaded;
                SaveRound();
                RoundsUploaded++;
                _state = "round " + _invite.RoundId + ": uploaded as transfer " + _transferId;
                _log.Info("learning: round " + _invite.RoundId + " update of " + bytes + " bytes queued as transfer " + _transferId);
                return;
            }

            if (queued.Status == EnqueueResult.TooLarge)
            {
                ReturnUpload();
                Drop("the update can never fit the outbox");
                return;
            }

            Wait("outbox full, transfer " + _transferId + " waits");
        }

        /// <summary>After a restart: a commit of this round in residual.dat means its update is to be queued (again).</summary>
        private void Recover()
        {
            _recovered = true;
            ResidualFile f = ResidualFile.Read(_storage, ResidualFileName);
            if (f != null && f.Upload != null && f.RoundId == _invite.RoundId && f.TransferId == _transferId)
            {
                _upload = f.Upload;
                _log.Info("learning: round " + _invite.RoundId + " was committed before the restart; queueing transfer " + _transferId + " again");
            }
        }

        /// <summary>An update that will not go out goes back into the residual, so error feedback sends it later instead.</summary>
        private void ReturnUpload()
        {
            _upload = null;
            ResidualFile f = ResidualFile.Read(_storage, ResidualFileName);
            if (f == null || f.Upload == null)
            {
                return;
            }

            try
            {
                f.AddBack(ModelDelta.Decode(f.Upload));
            }
            catch (ProtocolException)
            {
                // Not expected: the device encoded it. The residual stays as it was.
            }

            f.RoundId = "";
            f.TransferId = 0;
            f.Upload = null;
            f.Write(_storage, ResidualFileName);
        }

        private void Drop(string reason)
        {
            _roundState = StateDropped;
            _dropReason = reason;
            SaveRound();
            _state = "round " + _invite.RoundId + " dropped: " + reason;
            _log.Warn("learning: " + _state);
        }

        private void Wait(string why)
        {
            string state = "round " + _invite.RoundId + ": " + why;
            if (state != _state)
            {
                _state = state;
                _log.Info("learning: " + state);
            }
        }

        /// <summary>Body: u8 version, u8 state, u32 transfer id (the counter), str drop reason, u16 samples accepted, the invite.</summary>
        private void SaveRound()
        {
            byte[] invite = _invite.Encode();
            ByteWriter w = new ByteWriter(16 + _dropReason.Length + invite.Length);
            w.WriteU8(RoundFormat);
            w.WriteU8(_roundState);
            w.WriteI32((int)_transferId);
            w.WriteString(CommandDispatcher.Fit(_dropReason));
            w.WriteU16(_acceptedSamples > 65535 ? 65535 : _acceptedSamples);
            w.WriteBytes(invite, 0, invite.Length);
            byte[] body = w.ToArray();
            SmallFile.Write(_storage, RoundFile, body, body.Length);
        }

        private void LoadRound()
        {
            byte[] body = SmallFile.Read(_storage, RoundFile);
            if (body == null)
            {
                return;
            }

            try
            {
                ByteReader r = new ByteReader(body, 0, body.Length);
                if (r.ReadU8("version") != RoundFormat)
                {
                    return;
                }

                int state = r.ReadU8("state");
                uint transferId = r.ReadU32("transfer id");
                string reason = r.ReadString("drop reason");
                int accepted = r.ReadU16("samples");
                byte[] invite = new byte[r.Remaining];
                Array.Copy(body, r.Position, invite, 0, invite.Length);
                _invite = RoundInvite.Decode(invite);
                _roundState = state;
                _transferId = transferId;
                _dropReason = reason;
                _acceptedSamples = accepted;
                _state = _roundState == StatePending ? "round " + _invite.RoundId + ": pending" : "idle";
            }
            catch (ModelFormatException)
            {
                _invite = null;
            }
            catch (ProtocolException)
            {
                _invite = null;
            }
        }

        private static int Estimate(TrainableHead head, int samples, float keepFraction, int encodedBytes)
        {
            int parameters = head.ParameterCount;
            int tensors = 0;
            int encoded = 16 + (2 * 255);
            for (int t = 0; t < head.TensorCount; t++)
            {
                int n = head.TensorSize(t);
                int k = DeltaCodec.SparseCount(n, keepFraction);
                encoded += 16 + head.TensorName(t).Length + (k >= n ? n : 4 + (5 * k));

                // Dense: the int8 values; top-k: indexes, the picked values and their int8 form.
                tensors += k >= n ? n : 9 * k;
            }

            if (encodedBytes >= 0)
            {
                encoded = encodedBytes;
            }

            return HeadTrainer.RamBytes(head, samples) + (3 * 4 * parameters) + tensors + (2 * encoded) + LargeFileWriter.DefaultPartBytes;
        }

        private static uint DeviceSeed(string deviceId)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(deviceId);
            return Crc32.Compute(bytes, 0, bytes.Length);
        }
    }
}
