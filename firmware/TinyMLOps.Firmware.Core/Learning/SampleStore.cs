using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>
    /// The labelled samples of local training: a ring of (int8 head features, label) in RAM, its capacity fixed at
    /// construction, the oldest overwritten when full; index 0 is the oldest. The features belong to one feature
    /// extractor (<see cref="Shared.Federated.TrainableHead.ExtractorFingerprint"/>): <see cref="Load"/> binds the store to
    /// one and keeps the file's samples only when it was written for the same fingerprint and feature length.
    /// The file (<see cref="LargeFileWriter"/>: u8 version, u32 fingerprint, u16 feature length, u32 count, then per
    /// sample oldest first the features and a u8 label) is written at most every <see cref="SaveEvery"/> adds, to
    /// spare the flash, and before training; a power cut loses at most the adds since the last save.
    /// </summary>
    public sealed class SampleStore : ISampleSet
    {
        public const int FormatVersion = 1;

        private readonly IStorage _storage;
        private readonly string _name;
        private readonly int _capacity;
        private readonly int _saveEvery;
        private sbyte[] _features;
        private byte[] _labels;
        private int _featureLength;
        private float _scale;
        private int _zeroPoint;
        private int _start;
        private int _count;

        /// <param name="saveEvery">Adds between two saves; 1 saves every add.</param>
        public SampleStore(IStorage storage, string fileName, int capacity, int saveEvery)
        {
            if (capacity < 1 || capacity > 65535 || saveEvery < 1)
            {
                throw new ArgumentException("capacity 1 to 65535 samples, save every 1 or more adds");
            }

            _storage = storage;
            _name = fileName;
            _capacity = capacity;
            _saveEvery = saveEvery;
            _labels = new byte[capacity];
        }

        public int Capacity
        {
            get { return _capacity; }
        }

        public int SaveEvery
        {
            get { return _saveEvery; }
        }

        public int Count
        {
            get { return _count; }
        }

        /// <summary>True once <see cref="Load"/> bound the store to an extractor; before that it holds nothing and takes nothing.</summary>
        public bool IsLoaded { get; private set; }

        public uint Fingerprint { get; private set; }

        public int FeatureLength
        {
            get { return _featureLength; }
        }

        /// <summary>Adds since the last save (or load).</summary>
        public int UnsavedAdds { get; private set; }

        /// <summary>Files written by this store (each a few flash writes).</summary>
        public int Saves { get; private set; }

        /// <summary>Why the last load kept nothing from the file ("" when it kept it or there was none).</summary>
        public string Discarded { get; private set; }

        /// <summary>
        /// Binds the store to a feature extractor and returns how many samples it now holds. Already bound to the same
        /// one, nothing changes; otherwise the RAM ring starts over and takes the file's samples when the file was written
        /// for this fingerprint and length and is whole; a file for another extractor, or a corrupt one, is deleted.
        /// </summary>
        public int Load(uint fingerprint, int featureLength, float featureScale, int featureZeroPoint)
        {
            if (featureLength < 1 || featureLength > 65535)
            {
                throw new ArgumentException("feature length 1 to 65535");
            }

            _scale = featureScale;
            _zeroPoint = featureZeroPoint;
            if (IsLoaded && Fingerprint == fingerprint && _featureLength == featureLength)
            {
                return _count;
            }

            if (_features == null || _featureLength != featureLength)
            {
                // Drop the old ring before allocating the new one: the heap may not hold both.
                _features = null;
                _features = new sbyte[_capacity * featureLength];
            }

            IsLoaded = true;
            Fingerprint = fingerprint;
            _featureLength = featureLength;
            _start = 0;
            _count = 0;
            UnsavedAdds = 0;
            Discarded = ReadFile();
            if (Discarded.Length > 0)
            {
                _count = 0;
                if (_storage.Exists(_name))
                {
                    _storage.Delete(_name);
                }
            }

            return _count;
        }

        /// <summary>Stores one sample (features at <paramref name="offset"/>, <see cref="FeatureLength"/> of them), overwriting the oldest when full.</summary>
        public void Add(sbyte[] features, int offset, int label)
        {
            if (!IsLoaded)
            {
                throw new InvalidOperationException("load the store for an extractor first");
            }

            if (label < 0 || label > 255)
            {
                throw new ArgumentOutOfRangeException("label", "labels are 0 to 255");
            }

            int slot = (_start + _count) % _capacity;
            if (_count == _capacity)
            {
                _start = (_start + 1) % _capacity;
            }
            else
            {
                _count++;
            }

            Array.Copy(features, offset, _features, slot * _featureLength, _featureLength);
            _labels[slot] = (byte)label;
            UnsavedAdds++;
            if (UnsavedAdds >= _saveEvery)
            {
                Save();
            }
        }

        /// <summary>Writes the file when samples were added since the last save.</summary>
        public void Save()
        {
            if (!IsLoaded || UnsavedAdds == 0)
            {
                return;
            }

            LargeFileWriter w = new LargeFileWriter(_storage, _name, LargeFileWriter.DefaultPartBytes);
            w.WriteU8(FormatVersion);
            w.WriteU32(Fingerprint);
            w.WriteU16(_featureLength);
            w.WriteU32((uint)_count);
            for (int i = 0; i < _count; i++)
            {
                int slot = Slot(i);
                w.WriteSBytes(_features, slot * _featureLength, _featureLength);
                w.WriteU8(_labels[slot]);
            }

            w.Commit();
            UnsavedAdds = 0;
            Saves++;
        }

        /// <summary>Forgets every sample, in RAM and on flash.</summary>
        public void Clear()
        {
            _start = 0;
            _count = 0;
            UnsavedAdds = 0;
            if (_storage.Exists(_name))
            {
                _storage.Delete(_name);
            }
        }

        public int Label(int index)
        {
            return _labels[Slot(index)];
        }

        /// <summary>The sample's features dequantized with the scale and zero point given to <see cref="Load"/>.</summary>
        public void Features(int index, float[] output)
        {
            int at = Slot(index) * _featureLength;
            for (int i = 0; i < _featureLength; i++)
            {
                output[i] = (_features[at + i] - _zeroPoint) * _scale;
            }
        }

        /// <summary>The sample's int8 features.</summary>
        public void CopyFeatures(int index, sbyte[] output, int offset)
        {
            Array.Copy(_features, Slot(index) * _featureLength, output, offset, _featureLength);
        }

        /// <summary>The newest <paramref name="max"/> samples (all when fewer), oldest first: what a round trains on.</summary>
        public ISampleSet Latest(int max)
        {
            return new RecentSamples(this, max < _count ? _count - max : 0);
        }

        private int Slot(int index)
        {
            if (index < 0 || index >= _count)
            {
                throw new ArgumentOutOfRangeException("index", "the store holds " + _count + " samples");
            }

            return (_start + index) % _capacity;
        }

        // Fills the ring from the file; returns why it was discarded, or "".
        private string ReadFile()
        {
            if (!_storage.Exists(_name) && !_storage.Exists(SmallFile.TempName(_name)))
            {
                return "";
            }

            LargeFileReader r = LargeFileReader.Open(_storage, _name);
            if (r == null)
            {
                return "torn or corrupt";
            }

            try
            {
                if (r.ReadU8() != FormatVersion)
                {
                    return "another format";
                }

                uint fingerprint = r.ReadU32();
                int length = r.ReadU16();
                if (fingerprint != Fingerprint || length != _featureLength)
                {
                    return "features of another extractor";
                }

                int count = (int)r.ReadU32();
                if (count < 0 || r.Remaining != count * (length + 1))
                {
                    return "length mismatch";
                }

                // Keep the newest when the capacity shrank since the file was written.
                int skip = count > _capacity ? count - _capacity : 0;
                byte[] label = new byte[1];
                sbyte[] drop = skip > 0 ? new sbyte[length] : null;
                for (int i = 0; i < count; i++)
                {
                    if (i < skip)
                    {
                        r.ReadSBytes(drop, 0, length);
                        r.ReadU8();
                        continue;
                    }

                    r.ReadSBytes(_features, _count * length, length);
                    r.ReadBytes(label, 0, 1);
                    _labels[_count] = label[0];
                    _count++;
                }

                return "";
            }
            catch (ModelFormatException)
            {
                return "torn or corrupt";
            }
        }
    }
}
