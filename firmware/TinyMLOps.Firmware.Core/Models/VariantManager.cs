using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// The device side of variant delivery, built by the composition when the device has an artifact key and reported
    /// through the sync loop by <see cref="VariantReporter"/>.
    /// It handles the <see cref="VariantAssignment.CommandName"/> command by remembering the assignment on flash
    /// ("plugged-assign.dat" / "battery-assign.dat", one <see cref="SmallFile"/> per role, a newer assignment
    /// replacing an older one) and answering at once; when the download with the assigned transfer id is complete
    /// (<see cref="ChunkAssembler"/>), it stages the artifact into the role's <see cref="ModelSlots"/>, which
    /// verify it with the device key, activates it, forgets the assignment, and reports the outcome as a
    /// <see cref="VariantSwitchPayload"/> (installed or rejected; a rejected artifact leaves the active model as it
    /// was). It also runs <see cref="PowerVariantSwitch"/> and turns each role switch into a report. The selected
    /// role and the switch total are kept in "variant-role.dat", so a reboot resumes with the same model.
    /// </summary>
    public sealed class VariantManager : ICommandHandler
    {
        public const string RoleFile = "variant-role.dat";
        public const string PluggedAssignFile = "plugged-assign.dat";
        public const string BatteryAssignFile = "battery-assign.dat";

        // RoleFile keeps the selected role as it always has, 0 plugged and 1 battery: numbers from before roles took the wire's.
        private const byte StoredPlugged = 0;
        private const byte StoredBattery = 1;

        private readonly IStorage _storage;
        private readonly ChunkAssembler _downloads;
        private readonly IPower _power;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly VariantAssignment[] _pending = new VariantAssignment[ModelRoles.Count];
        private uint _switchesTotal;
        private ModelRole _uncommitted = ModelRole.None;
        private readonly VariantSwitchPayload[] _rollbackReports = new VariantSwitchPayload[ModelRoles.Count];

        public VariantManager(IStorage storage, byte[] deviceKey, ChunkAssembler downloads, IPower power, IClock clock, ILog log, long dwellMillis, int lowBatteryPercent)
            : this(storage, deviceKey, null, downloads, power, clock, log, dwellMillis, lowBatteryPercent)
        {
        }

        /// <summary>With a cipher the role slots take sealed artifacts (the form the host delivers) and keep them sealed on flash.</summary>
        public VariantManager(IStorage storage, byte[] deviceKey, IBlockCipher cipher, ChunkAssembler downloads, IPower power, IClock clock, ILog log, long dwellMillis, int lowBatteryPercent)
            : this(storage, deviceKey, cipher, false, downloads, power, clock, log, dwellMillis, lowBatteryPercent)
        {
        }

        /// <param name="requireSealed">The role slots refuse plain artifacts: only models sealed for this device are installed or loaded.</param>
        public VariantManager(IStorage storage, byte[] deviceKey, IBlockCipher cipher, bool requireSealed, ChunkAssembler downloads, IPower power, IClock clock, ILog log, long dwellMillis, int lowBatteryPercent)
        {
            _storage = storage;
            _downloads = downloads;
            _power = power;
            _clock = clock;
            _log = log;
            Store = new VariantStore(storage, deviceKey, cipher, requireSealed);
            ModelRole role = ModelRole.Plugged;
            byte[] saved = SmallFile.Read(storage, RoleFile);
            if (saved != null && saved.Length == 5)
            {
                role = saved[0] == StoredBattery ? ModelRole.Battery : ModelRole.Plugged;
                _switchesTotal = RecordFormat.GetU32(saved, 1);
            }

            Switch = new PowerVariantSwitch(power, clock, dwellMillis, lowBatteryPercent, role);
            _pending[ModelRoles.Index(ModelRole.Plugged)] = LoadAssignment(PluggedAssignFile);
            _pending[ModelRoles.Index(ModelRole.Battery)] = LoadAssignment(BatteryAssignFile);
        }

        public VariantStore Store { get; private set; }

        public PowerVariantSwitch Switch { get; private set; }

        /// <summary>The selected role (from the power input).</summary>
        public ModelRole SelectedRole
        {
            get { return Switch.Role; }
        }

        /// <summary>The role whose model runs: the selected one, or the other when the selected one has none yet.</summary>
        public ModelRole ServingRole
        {
            get { return Store.Resolve(Switch.Role); }
        }

        /// <summary>The variant id of the model that runs, or null.</summary>
        public string ServingVariantId
        {
            get
            {
                ModelRole serving = ServingRole;
                return serving == ModelRole.None ? null : Store.Slots(serving).ActiveVariantId;
            }
        }

        /// <summary>Counts changes of the model that should run (installs and switches) since boot; the app reloads when it moves.</summary>
        public int ModelChanges { get; private set; }

        public uint SwitchesTotal
        {
            get { return _switchesTotal; }
        }

        public int Installed { get; private set; }

        public int Rejected { get; private set; }

        /// <summary>The assignment of a role waiting for its download, or null.</summary>
        public VariantAssignment Pending(ModelRole role)
        {
            return _pending[ModelRoles.Index(role)];
        }

        /// <summary>True when an assignment waits for a transfer that is not the complete download.</summary>
        public bool AwaitingTransfer
        {
            get { return Waiting(Pending(ModelRole.Plugged)) || Waiting(Pending(ModelRole.Battery)); }
        }

        /// <summary>
        /// True when a chunk of <paramref name="transferId"/> was refused because another download is in progress that
        /// no assignment waits for (a stray resend after an install): that download may be dropped for this one.
        /// </summary>
        public bool ShouldReplaceDownload(uint transferId)
        {
            return _downloads.Active && _downloads.TransferId != transferId && Assigned(transferId) && !Assigned(_downloads.TransferId);
        }

        /// <summary>The verified bytes of the model that should run now, or null.</summary>
        public byte[] ReadServingModel()
        {
            return Store.ReadModel(Switch.Role);
        }

        /// <summary>The variant-assign command: remembers the assignment until its transfer is complete.</summary>
        public int Handle(CommandPayload command, out string detail)
        {
            VariantAssignment a;
            try
            {
                a = VariantAssignment.Decode(command.Arguments);
            }
            catch (ProtocolException e)
            {
                detail = e.Message;
                return CommandResultPayload.Refused;
            }

            ModelRole role = (ModelRole)a.Role;
            byte[] body = a.Encode();
            SmallFile.Write(_storage, AssignFile(role), body, body.Length);
            _pending[ModelRoles.Index(role)] = a;
            detail = "awaiting transfer " + a.TransferId;
            if (Matches(a))
            {
                detail = "transfer " + a.TransferId + " is here";
            }

            _log.Info("variant " + a.VariantId + " assigned to " + ModelRoles.Name(role) + ", " + detail);
            return CommandResultPayload.Ok;
        }

        /// <summary>
        /// Installs the next pending assignment whose transfer is complete, or reports a pending role switch; null
        /// when there is nothing to report. After queueing a report, call <see cref="Commit"/>: an install's
        /// assignment is forgotten only then, so a power cut in between installs (finds it active) and reports again.
        /// </summary>
        public VariantSwitchPayload Step()
        {
            Commit();
            for (int i = 0; i < ModelRoles.Count; i++)
            {
                VariantSwitchPayload rolledBack = _rollbackReports[i];
                if (rolledBack != null)
                {
                    _rollbackReports[i] = null;
                    return rolledBack;
                }
            }

            for (ModelRole role = ModelRole.Plugged; role <= ModelRole.Battery; role++)
            {
                VariantAssignment a = Pending(role);
                if (a != null && Matches(a))
                {
                    return Install(role, a);
                }
            }

            Switch.Update();
            VariantSwitchReport report = Switch.TakePendingSwitchReport();
            if (report == null)
            {
                return null;
            }

            _switchesTotal += (uint)report.UnreportedSwitches;
            SaveRole();
            ModelChanges++;
            _log.Info("model role " + ModelRoles.Name(report.FromRole) + " -> " + ModelRoles.Name(report.ToRole));
            VariantSwitchPayload p = Report(VariantSwitchPayload.ReasonPower, report.FromRole, report.ToRole);
            p.UptimeSeconds = (uint)(report.AtUptimeMillis / 1000);
            p.PowerSource = report.PowerSource;
            p.BatteryPercent = Battery(report.BatteryPercent);
            return p;
        }

        private VariantSwitchPayload Install(ModelRole role, VariantAssignment a)
        {
            ModelSlots slots = Store.Slots(role);
            int result = ModelResult.Ok;
            if (slots.ActiveVariantId != a.VariantId || !ArtifactTag.FixedTimeEquals(slots.ActiveContentHash, a.ContentHash))
            {
                // Not installed yet (a replay after a reboot finds it active and only reports again).
                result = _downloads.ContentType != VariantAssignment.ContentTypeModel
                    ? ModelResult.NotAModel
                    : slots.StageFile(_downloads.ArtifactFile, a.ContentHash, a.Tag, a.VariantId);
                if (result == ModelResult.Ok)
                {
                    result = slots.Activate();
                }
            }

            VariantSwitchPayload p = Report(result == ModelResult.Ok ? VariantSwitchPayload.ReasonInstalled : VariantSwitchPayload.ReasonRejected, Switch.Role, Switch.Role);
            p.AssignedRole = a.Role;
            p.Result = result;
            p.TransferId = a.TransferId;
            if (result == ModelResult.Ok)
            {
                Installed++;
                ModelChanges++;
                _log.Info("variant " + a.VariantId + " active in role " + ModelRoles.Name(role));
            }
            else
            {
                Rejected++;
                _log.Warn("variant " + a.VariantId + " of transfer " + a.TransferId + " rejected: " + ModelResult.Describe(result));
            }

            _uncommitted = role;
            return p;
        }

        /// <summary>
        /// The variant-rollback command: returns a role to its kept previous variant when the role runs the variant the
        /// host wants to leave; a role already on the target answers ok and changes nothing.
        /// </summary>
        public int RollBack(VariantRollback command, out string detail)
        {
            ModelRole role = (ModelRole)command.Role;
            ModelSlots slots = Store.Slots(role);
            if (slots.ActiveVariantId == command.ToVariantId)
            {
                detail = "already on " + command.ToVariantId;
                return CommandResultPayload.Ok;
            }

            if (slots.ActiveVariantId != command.FromVariantId || slots.PreviousVariantId != command.ToVariantId)
            {
                detail = "runs " + Name(slots.ActiveVariantId) + " with " + Name(slots.PreviousVariantId) + " kept, not " + command.FromVariantId + " with " + command.ToVariantId;
                return CommandResultPayload.Refused;
            }

            int result = RollBackRole(role, ModelResult.Ok);
            detail = result == ModelResult.Ok ? "rolled back to " + command.ToVariantId : "rollback failed: " + ModelResult.Name(result);
            return result == ModelResult.Ok ? CommandResultPayload.Ok : CommandResultPayload.Refused;
        }

        /// <summary>
        /// The application could not load or run the serving model: return its role to the previous variant (when one
        /// is kept) and report it. Returns false when there is nothing to go back to.
        /// </summary>
        public bool ReportLoadFailure()
        {
            ModelRole role = ServingRole;
            if (role == ModelRole.None)
            {
                return false;
            }

            _log.Error("variant " + Name(Store.Slots(role).ActiveVariantId) + " failed to load");
            return RollBackRole(role, ModelResult.LoadFailed) == ModelResult.Ok;
        }

        private int RollBackRole(ModelRole role, int cause)
        {
            ModelSlots slots = Store.Slots(role);
            string from = slots.ActiveVariantId;
            int result = slots.Rollback();
            if (result != ModelResult.Ok)
            {
                return result;
            }

            ModelChanges++;
            _log.Warn("role " + ModelRoles.Name(role) + " rolled back from " + Name(from) + " to " + Name(slots.ActiveVariantId));
            VariantSwitchPayload p = Report(VariantSwitchPayload.ReasonRolledBack, Switch.Role, Switch.Role);
            p.AssignedRole = (int)role;
            p.Result = cause;
            _rollbackReports[ModelRoles.Index(role)] = p;
            return ModelResult.Ok;
        }

        private static string Name(string variantId)
        {
            return variantId == null ? "(none)" : variantId;
        }

        /// <summary>The last report of <see cref="Step"/> is queued: forget the assignment it answered.</summary>
        public void Commit()
        {
            if (_uncommitted == ModelRole.None)
            {
                return;
            }

            VariantAssignment done = Pending(_uncommitted);
            _pending[ModelRoles.Index(_uncommitted)] = null;
            Delete(AssignFile(_uncommitted));
            _uncommitted = ModelRole.None;

            // The slot holds its own copy now; free the download's flash unless the other role waits for the same bytes.
            if (done != null && _downloads.Active && _downloads.IsComplete && _downloads.TransferId == done.TransferId && !Assigned(done.TransferId))
            {
                _downloads.Abandon();
            }
        }

        private VariantSwitchPayload Report(int reason, ModelRole fromRole, ModelRole toRole)
        {
            VariantSwitchPayload p = new VariantSwitchPayload();
            p.Reason = reason;
            p.FromRole = (int)fromRole;
            p.ToRole = (int)toRole;
            p.UptimeSeconds = (uint)(_clock.UptimeMillis / 1000);
            p.PowerSource = _power.Source;
            p.BatteryPercent = Battery(_power.BatteryPercent);
            p.SwitchesTotal = _switchesTotal;
            string plugged = Store.Slots(ModelRole.Plugged).ActiveVariantId;
            string battery = Store.Slots(ModelRole.Battery).ActiveVariantId;
            p.PluggedVariantId = plugged == null ? "" : plugged;
            p.BatteryVariantId = battery == null ? "" : battery;
            return p;
        }

        private bool Matches(VariantAssignment a)
        {
            return _downloads.Active && _downloads.IsComplete && _downloads.TransferId == a.TransferId;
        }

        private bool Waiting(VariantAssignment a)
        {
            return a != null && !Matches(a);
        }

        /// <summary>True when an assignment of either role waits for the transfer.</summary>
        private bool Assigned(uint transferId)
        {
            return Waiting(Pending(ModelRole.Plugged), transferId) || Waiting(Pending(ModelRole.Battery), transferId);
        }

        private static bool Waiting(VariantAssignment a, uint transferId)
        {
            return a != null && a.TransferId == transferId;
        }

        private void SaveRole()
        {
            byte[] body = new byte[5];
            body[0] = Switch.Role == ModelRole.Battery ? StoredBattery : StoredPlugged;
            RecordFormat.PutU32(body, 1, _switchesTotal);
            SmallFile.Write(_storage, RoleFile, body, body.Length);
        }

        private VariantAssignment LoadAssignment(string file)
        {
            byte[] body = SmallFile.Read(_storage, file);
            if (body == null)
            {
                return null;
            }

            try
            {
                return VariantAssignment.Decode(body);
            }
            catch (ProtocolException)
            {
                Delete(file);
                return null;
            }
        }

        private void Delete(string name)
        {
            if (_storage.Exists(name))
            {
                _storage.Delete(name);
            }
        }

        private static string AssignFile(ModelRole role)
        {
            return role == ModelRole.Battery ? BatteryAssignFile : PluggedAssignFile;
        }

        private static int Battery(int percent)
        {
            return percent < 0 || percent > 100 ? HelloPayload.NoBattery : percent;
        }
    }
}
