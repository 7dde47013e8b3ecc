using System;
using System.Collections;
using System.Text;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Commands
{
    /// <summary>
    /// Runs host commands by name, at most once per command id. QoS 1 may deliver a command again (after a
    /// reconnect, or a reboot before the broker saw the PUBACK), so the last ids handled are kept in a small
    /// file with their results and a repeat is answered from it. An id is written as "running" before its
    /// handler starts: a command cut short by a power loss is answered Failed on redelivery, never rerun.
    /// </summary>
    public sealed class CommandDispatcher
    {
        public const int DefaultRemembered = 32;
        public const int MaxDetailBytes = 255;

        private const int Running = 255;

        private readonly IStorage _storage;
        private readonly string _fileName;
        private readonly int _remembered;
        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _handlers = new ArrayList();
        private readonly ArrayList _ids = new ArrayList();
        private readonly ArrayList _statuses = new ArrayList();
        private readonly ArrayList _details = new ArrayList();

        public CommandDispatcher(IStorage storage, string fileName, int remembered)
        {
            if (remembered < 1 || remembered > 255)
            {
                throw new ArgumentException("remember 1 to 255 command ids");
            }

            _storage = storage;
            _fileName = fileName;
            _remembered = remembered;
            Load();
        }

        /// <summary>Handlers run (not counting duplicates and unknown names).</summary>
        public int Handled { get; private set; }

        /// <summary>Deliveries answered from the stored results.</summary>
        public int Duplicates { get; private set; }

        public void Register(string name, ICommandHandler handler)
        {
            int i = _names.IndexOf(name);
            if (i >= 0)
            {
                _handlers[i] = handler;
                return;
            }

            _names.Add(name);
            _handlers.Add(handler);
        }

        public bool IsRegistered(string name)
        {
            return _names.IndexOf(name) >= 0;
        }

        public CommandResultPayload Dispatch(CommandPayload command)
        {
            int known = _ids.IndexOf(command.CommandId);
            if (known >= 0)
            {
                Duplicates++;
                if ((int)_statuses[known] == Running)
                {
                    Remember(command.CommandId, CommandResultPayload.Failed, "interrupted by a restart before it finished");
                    Save();
                    known = _ids.Count - 1;
                }

                return Result(command.CommandId, (int)_statuses[known], (string)_details[known]);
            }

            int index = _names.IndexOf(command.Name);
            if (index < 0)
            {
                return Result(command.CommandId, CommandResultPayload.UnknownCommand, Fit("unknown command " + command.Name));
            }

            Remember(command.CommandId, Running, "");
            Save();
            int status;
            string detail;
            try
            {
                status = ((ICommandHandler)_handlers[index]).Handle(command, out detail);
                if (status < CommandResultPayload.Ok || status > CommandResultPayload.Refused)
                {
                    detail = "handler returned status " + status;
                    status = CommandResultPayload.Failed;
                }
            }
            catch (Exception e)
            {
                status = CommandResultPayload.Failed;
                detail = e.Message;
            }

            Handled++;
            detail = Fit(detail);
            Remember(command.CommandId, status, detail);
            Save();
            return Result(command.CommandId, status, detail);
        }

        /// <summary>Cuts a detail to what the result payload can carry, on a UTF-8 character boundary.</summary>
        public static string Fit(string detail)
        {
            if (detail == null)
            {
                return "";
            }

            byte[] bytes = Encoding.UTF8.GetBytes(detail);
            if (bytes.Length <= MaxDetailBytes)
            {
                return detail;
            }

            int n = MaxDetailBytes;
            while (n > 0 && (bytes[n] & 0xC0) == 0x80)
            {
                n--;
            }

            return Encoding.UTF8.GetString(bytes, 0, n);
        }

        private static CommandResultPayload Result(uint id, int status, string detail)
        {
            CommandResultPayload r = new CommandResultPayload();
            r.CommandId = id;
            r.Status = status;
            r.Detail = detail;
            return r;
        }

        private void Remember(uint id, int status, string detail)
        {
            int i = _ids.IndexOf(id);
            if (i >= 0)
            {
                _ids.RemoveAt(i);
                _statuses.RemoveAt(i);
                _details.RemoveAt(i);
            }

            _ids.Add(id);
            _statuses.Add(status);
            _details.Add(detail);
            while (_ids.Count > _remembered)
            {
                _ids.RemoveAt(0);
                _statuses.RemoveAt(0);
                _details.RemoveAt(0);
            }
        }

        private void Save()
        {
            ByteWriter w = new ByteWriter(64);
            w.WriteU8(_ids.Count);
            for (int i = 0; i < _ids.Count; i++)
            {
                w.WriteI32((int)(uint)_ids[i]);
                w.WriteU8((int)_statuses[i]);
                w.WriteString((string)_details[i]);
            }

            byte[] body = w.ToArray();
            SmallFile.Write(_storage, _fileName, body, body.Length);
        }

        private void Load()
        {
            byte[] body = SmallFile.Read(_storage, _fileName);
            if (body == null)
            {
                return;
            }

            try
            {
                ByteReader r = new ByteReader(body, 0, body.Length);
                int count = r.ReadU8("count");
                for (int i = 0; i < count; i++)
                {
                    uint id = r.ReadU32("command id");
                    int status = r.ReadU8("status");
                    string detail = r.ReadString("detail");
                    Remember(id, status, detail);
                }
            }
            catch (ModelFormatException)
            {
                // A file that passed its CRC but does not parse is from another format: start over.
                _ids.Clear();
                _statuses.Clear();
                _details.Clear();
            }
        }
    }
}
