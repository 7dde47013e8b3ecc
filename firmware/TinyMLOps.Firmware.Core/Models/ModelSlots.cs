using System;
using System.Text;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// A/B model slots on <see cref="IStorage"/>: "slot-a.tmlm" and "slot-b.tmlm" (each name behind an optional
    /// prefix, one per role, see <see cref="VariantStore"/>) and an activation record, "slots.rec", that names
    /// the active slot, the previous one (for <see cref="Rollback"/>), the staged one, and for each slot the
    /// variant id, content hash and tag it was verified with. The record is a <see cref="SmallFile"/> (one
    /// CRC-protected record, written to a temp file and renamed over the old one), and a copy of it,
    /// "slots.rec.bak", is written right after it: the last good record when the first one is lost or rotten.
    ///
    /// <see cref="Stage(byte[],byte[],byte[],string)"/> only writes the inactive slot: it first records that the
    /// slot holds nothing (if the record said otherwise), then writes it, re-reads and verifies it
    /// (<see cref="ArtifactVerifier"/>), and records it as staged. <see cref="Activate"/> re-verifies the staged
    /// slot and flips the record in one rename. So a power cut at any step leaves the record naming a slot whose
    /// bytes were verified, and the active slot is never written. On open, an active slot that no longer
    /// verifies (flash rot) is replaced by the previous slot or the other verified slot, never by one that does
    /// not verify; when both record copies are gone there is no verified model (the tags live only there).
    /// </summary>
    public sealed class ModelSlots
    {
        public const int None = -1;
        public const int SlotA = 0;
        public const int SlotB = 1;

        private const int FormatVersion = 1;
        private const int NoSlot = 0xFF;
        private const int CopyBuffer = 512;

        private readonly IStorage _storage;
        private readonly ArtifactVerifier _verifier;
        private readonly byte[] _deviceKey;
        private readonly IBlockCipher _cipher;
        private readonly string[] _slotNames;
        private readonly string _recordName;
        private readonly string _mirrorName;
        private readonly string[] _variants = new string[2];
        private readonly byte[][] _hashes = new byte[2][];
        private readonly byte[][] _tags = new byte[2][];
        private int _active = None;
        private int _previous = None;
        private int _staged = None;

        public ModelSlots(IStorage storage, byte[] deviceKey)
            : this(storage, deviceKey, string.Empty)
        {
        }

        /// <summary>Opens (and if needed repairs) the slots whose file names start with prefix; plain artifacts only.</summary>
        public ModelSlots(IStorage storage, byte[] deviceKey, string prefix)
            : this(storage, deviceKey, prefix, null)
        {
        }

        /// <summary>
        /// Opens (and if needed repairs) the slots whose file names start with prefix. With a cipher the slots also take
        /// sealed artifacts (<see cref="TinyMLOps.Shared.Model.SealedArtifact"/>), keep them sealed on storage, and decrypt
        /// them only in <see cref="ReadActive"/>, the read that loads the model.
        /// </summary>
        public ModelSlots(IStorage storage, byte[] deviceKey, string prefix, IBlockCipher cipher)
            : this(storage, deviceKey, prefix, cipher, false)
        {
        }

        /// <param name="requireSealed">Refuse plain artifacts, also one found on storage at open (<see cref="ModelResult.PlainRefused"/>).</param>
        public ModelSlots(IStorage storage, byte[] deviceKey, string prefix, IBlockCipher cipher, bool requireSealed)
        {
            if (storage == null)
            {
                throw new ArgumentNullException("storage");
            }

            _storage = storage;
            _verifier = new ArtifactVerifier(deviceKey, cipher);
            _verifier.RequireSealed = requireSealed;
            _deviceKey = deviceKey;
            _cipher = cipher;
            string p = prefix == null ? string.Empty : prefix;
            _slotNames = new string[] { p + "slot-a.tmlm", p + "slot-b.tmlm" };
            _recordName = p + "slots.rec";
            _mirrorName = p + "slots.rec.bak";
            Open();
        }

        /// <summary><see cref="SlotA"/>, <see cref="SlotB"/> or <see cref="None"/> (no verified model).</summary>
        public int ActiveSlot
        {
            get { return _active; }
        }

        /// <summary>The slot <see cref="Rollback"/> returns to, or <see cref="None"/>.</summary>
        public int PreviousSlot
        {
            get { return _previous; }
        }

        /// <summary>The verified slot <see cref="Activate"/> switches to, or <see cref="None"/>.</summary>
        public int StagedSlot
        {
            get { return _staged; }
        }

        public bool HasActive
        {
            get { return _active != None; }
        }

        public string ActiveVariantId
        {
            get { return _active == None ? null : _variants[_active]; }
        }

        /// <summary>A copy of the active model's content hash, or null.</summary>
        public byte[] ActiveContentHash
        {
            get { return _active == None ? null : Copy(_hashes[_active]); }
        }

        public string StagedVariantId
        {
            get { return _staged == None ? null : _variants[_staged]; }
        }

        public string PreviousVariantId
        {
            get { return _previous == None ? null : _variants[_previous]; }
        }

        /// <summary>How the last open found the record: 0 intact, 1 restored from its copy, 2 none usable.</summary>
        public int OpenedFrom { get; private set; }

        /// <summary>True when the last open found the active slot unverifiable and moved to another (or to none).</summary>
        public bool FellBackOnOpen { get; private set; }

        public string SlotFile(int slot)
        {
            return _slotNames[slot];
        }

        public string RecordFile
        {
            get { return _recordName; }
        }

        /// <summary>Writes an artifact held in RAM into the inactive slot and verifies it there.</summary>
        public int Stage(byte[] artifact, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            if (artifact == null)
            {
                return ModelResult.Missing;
            }

            return StageCore(artifact, null, expectedHash, expectedTag, variantId);
        }

        /// <summary>Copies a downloaded file (for example <see cref="ChunkAssembler.ArtifactFile"/>) into the inactive slot and verifies it there.</summary>
        public int StageFile(string fileName, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            if (fileName == null || !_storage.Exists(fileName))
            {
                return ModelResult.Missing;
            }

            return StageCore(null, fileName, expectedHash, expectedTag, variantId);
        }

        /// <summary>Makes the staged slot active (after verifying it again); the active one becomes the previous.</summary>
        public int Activate()
        {
            if (_staged == None)
            {
                return ModelResult.NothingStaged;
            }

            int result = VerifySlot(_staged);
            if (result != ModelResult.Ok)
            {
                Clear(_staged);
                WriteRecord();
                return result;
            }

            _previous = _active;
            _active = _staged;
            _staged = None;
            WriteRecord();
            return ModelResult.Ok;
        }

        /// <summary>
        /// Returns to the previous slot if it still verifies. The slot left behind keeps its bytes but is no longer a
        /// rollback target (it was rolled back for a reason); staging a new model reuses it.
        /// </summary>
        public int Rollback()
        {
            if (_previous == None)
            {
                return ModelResult.NoPrevious;
            }

            int result = VerifySlot(_previous);
            if (result != ModelResult.Ok)
            {
                return result;
            }

            _active = _previous;
            _previous = None;
            _staged = None;
            WriteRecord();
            return ModelResult.Ok;
        }

        /// <summary>The active model's plain bytes after verifying them (decrypted when the slot holds a sealed artifact), or null when there is none or it fails.</summary>
        public byte[] ReadActive()
        {
            if (_active == None)
            {
                return null;
            }

            byte[] plain;
            return OpenSlot(_active, out plain) == ModelResult.Ok ? plain : null;
        }

        /// <summary>Re-reads a slot and verifies it against what the record says it holds.</summary>
        public int VerifySlot(int slot)
        {
            if (slot != SlotA && slot != SlotB)
            {
                return ModelResult.Missing;
            }

            if (_hashes[slot] == null)
            {
                return ModelResult.Missing;
            }

            byte[] plain;
            return OpenSlot(slot, out plain);
        }

        /// <summary>
        /// Verifies a slot and hands out its plain model. A sealed slot streams through <see cref="SealedSlotReader"/>, so
        /// it never sits in RAM twice (sealed and clear); a plain one is read whole, as it runs from that buffer.
        /// </summary>
        private int OpenSlot(int slot, out byte[] plain)
        {
            return OpenFile(_slotNames[slot], _hashes[slot], _tags[slot], _variants[slot], out plain);
        }

        private int OpenFile(string name, byte[] expectedHash, byte[] expectedTag, string variant, out byte[] plain)
        {
            plain = null;
            if (_cipher != null && SealedSlotReader.IsSealedFile(_storage, name))
            {
                byte[] opened;
                byte[] nonce;
                int sealedResult = SealedSlotReader.Open(_storage, name, _deviceKey, _cipher, out opened, out nonce);
                if (sealedResult != ModelResult.Ok)
                {
                    return sealedResult;
                }

                int result = _verifier.VerifyOpened(opened, nonce, expectedHash, expectedTag, variant);
                plain = result == ModelResult.Ok ? opened : null;
                return result;
            }

            return _verifier.Open(_storage.ReadAll(name), expectedHash, expectedTag, variant, out plain);
        }

        private int StageCore(byte[] artifact, string sourceFile, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            string variant = variantId == null ? string.Empty : variantId;
            if (Encoding.UTF8.GetBytes(variant).Length > 255)
            {
                throw new ArgumentException("variant id longer than 255 bytes");
            }

            int target = _active == SlotA ? SlotB : SlotA;
            if (_hashes[target] != null || _staged == target || _previous == target)
            {
                // The record must stop vouching for the slot before its bytes change.
                Clear(target);
                WriteRecord();
            }

            string name = _slotNames[target];
            if (_storage.Exists(name))
            {
                _storage.Delete(name);
            }

            if (artifact != null)
            {
                _storage.WriteAll(name, artifact);
            }
            else
            {
                CopyFile(sourceFile, name);
            }

            byte[] opened;
            int result = OpenFile(name, expectedHash, expectedTag, variant, out opened);
            if (result != ModelResult.Ok)
            {
                _storage.Delete(name);
                return result;
            }

            _variants[target] = variant;
            _hashes[target] = Copy(expectedHash);
            _tags[target] = Copy(expectedTag);
            _staged = target;
            WriteRecord();
            return ModelResult.Ok;
        }

        private void CopyFile(string from, string to)
        {
            int length = _storage.Length(from);
            byte[] buffer = new byte[CopyBuffer];
            int offset = 0;
            if (length == 0)
            {
                _storage.WriteAll(to, new byte[0]);
            }

            while (offset < length)
            {
                int n = _storage.Read(from, offset, buffer, 0, length - offset < CopyBuffer ? length - offset : CopyBuffer);
                if (n <= 0)
                {
                    break;
                }

                _storage.Append(to, buffer, 0, n);
                offset += n;
            }
        }

        /// <summary>Forgets what a slot holds (in memory; the caller writes the record).</summary>
        private void Clear(int slot)
        {
            _variants[slot] = null;
            _hashes[slot] = null;
            _tags[slot] = null;
            if (_staged == slot)
            {
                _staged = None;
            }

            if (_previous == slot)
            {
                _previous = None;
            }

            if (_active == slot)
            {
                _active = None;
            }
        }

        private void Open()
        {
            byte[] primary = SmallFile.Read(_storage, _recordName);
            byte[] mirror = SmallFile.Read(_storage, _mirrorName);
            if (Parse(primary))
            {
                OpenedFrom = 0;
                if (!ArtifactTag.FixedTimeEquals(primary, mirror))
                {
                    SmallFile.Write(_storage, _mirrorName, primary, primary.Length);
                }
            }
            else if (Parse(mirror))
            {
                OpenedFrom = 1;
                SmallFile.Write(_storage, _recordName, mirror, mirror.Length);
            }
            else
            {
                OpenedFrom = 2;
            }

            if (_active != None && VerifySlot(_active) != ModelResult.Ok)
            {
                FellBackOnOpen = true;
                int damaged = _active;
                int fallback = None;
                if (_previous != None && VerifySlot(_previous) == ModelResult.Ok)
                {
                    fallback = _previous;
                }
                else if (_hashes[1 - damaged] != null && VerifySlot(1 - damaged) == ModelResult.Ok)
                {
                    fallback = 1 - damaged;
                }

                Clear(damaged);
                _active = fallback;
                _previous = None;
                _staged = None;
                WriteRecord();
            }

            // A slot the record does not vouch for is a leftover of a cut or failed staging: free its flash.
            for (int slot = SlotA; slot <= SlotB; slot++)
            {
                if (_hashes[slot] == null && _storage.Exists(_slotNames[slot]))
                {
                    _storage.Delete(_slotNames[slot]);
                }
            }
        }

        // Record body, version 1: version u8, active u8, previous u8, staged u8 (slot 0/1, 0xFF none), then for
        // slot A and slot B: present u8 (0/1) and, when present, variant id str (u8 length + UTF-8), content
        // hash (32 bytes), tag (32 bytes).
        private void WriteRecord()
        {
            byte[][] variants = new byte[2][];
            int length = 4;
            for (int slot = SlotA; slot <= SlotB; slot++)
            {
                length++;
                if (_hashes[slot] != null)
                {
                    variants[slot] = Encoding.UTF8.GetBytes(_variants[slot]);
                    length += 1 + variants[slot].Length + ArtifactTag.HashBytes + ArtifactTag.TagBytes;
                }
            }

            byte[] body = new byte[length];
            body[0] = FormatVersion;
            body[1] = SlotByte(_active);
            body[2] = SlotByte(_previous);
            body[3] = SlotByte(_staged);
            int at = 4;
            for (int slot = SlotA; slot <= SlotB; slot++)
            {
                if (_hashes[slot] == null)
                {
                    body[at++] = 0;
                    continue;
                }

                body[at++] = 1;
                body[at++] = (byte)variants[slot].Length;
                Array.Copy(variants[slot], 0, body, at, variants[slot].Length);
                at += variants[slot].Length;
                Array.Copy(_hashes[slot], 0, body, at, ArtifactTag.HashBytes);
                at += ArtifactTag.HashBytes;
                Array.Copy(_tags[slot], 0, body, at, ArtifactTag.TagBytes);
                at += ArtifactTag.TagBytes;
            }

            SmallFile.Write(_storage, _recordName, body, body.Length);
            SmallFile.Write(_storage, _mirrorName, body, body.Length);
        }

        /// <summary>Loads a record body into the state; false (state untouched) when it is not a valid one.</summary>
        private bool Parse(byte[] body)
        {
            if (body == null || body.Length < 6 || body[0] != FormatVersion)
            {
                return false;
            }

            string[] variants = new string[2];
            byte[][] hashes = new byte[2][];
            byte[][] tags = new byte[2][];
            int at = 4;
            for (int slot = SlotA; slot <= SlotB; slot++)
            {
                if (at >= body.Length || body[at] > 1)
                {
                    return false;
                }

                if (body[at++] == 0)
                {
                    continue;
                }

                if (at >= body.Length)
                {
                    return false;
                }

                int variantLength = body[at++];
                if (body.Length - at < variantLength + ArtifactTag.HashBytes + ArtifactTag.TagBytes)
                {
                    return false;
                }

                variants[slot] = variantLength == 0 ? string.Empty : Encoding.UTF8.GetString(body, at, variantLength);
                at += variantLength;
                hashes[slot] = new byte[ArtifactTag.HashBytes];
                Array.Copy(body, at, hashes[slot], 0, ArtifactTag.HashBytes);
                at += ArtifactTag.HashBytes;
                tags[slot] = new byte[ArtifactTag.TagBytes];
                Array.Copy(body, at, tags[slot], 0, ArtifactTag.TagBytes);
                at += ArtifactTag.TagBytes;
            }

            int active = SlotValue(body[1]);
            int previous = SlotValue(body[2]);
            int staged = SlotValue(body[3]);
            if (at != body.Length || active == -2 || previous == -2 || staged == -2
                || (active != None && hashes[active] == null) || (previous != None && hashes[previous] == null)
                || (staged != None && hashes[staged] == null)
                || (active != None && (active == previous || active == staged)))
            {
                return false;
            }

            for (int slot = SlotA; slot <= SlotB; slot++)
            {
                _variants[slot] = variants[slot];
                _hashes[slot] = hashes[slot];
                _tags[slot] = tags[slot];
            }

            _active = active;
            _previous = previous;
            _staged = staged;
            return true;
        }

        private static byte SlotByte(int slot)
        {
            return slot == None ? (byte)NoSlot : (byte)slot;
        }

        /// <summary>The slot a record byte names, <see cref="None"/>, or -2 for an invalid byte.</summary>
        private static int SlotValue(byte value)
        {
            if (value == NoSlot)
            {
                return None;
            }

            return value <= SlotB ? value : -2;
        }

        private static byte[] Copy(byte[] source)
        {
            if (source == null)
            {
                return null;
            }

            byte[] copy = new byte[source.Length];
            Array.Copy(source, 0, copy, 0, source.Length);
            return copy;
        }
    }
}
