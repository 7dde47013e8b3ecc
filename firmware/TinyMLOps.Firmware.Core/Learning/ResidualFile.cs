using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>
    /// The error-feedback residual kept on the device between rounds, and the commit of one round's upload: the
    /// residual as it is after encoding that round, the round and transfer ids, and the encoded update itself. Keeping
    /// them in one file, replaced atomically (<see cref="LargeFileWriter"/>), means a restart finds either the state
    /// before the round was encoded or the state after it with the exact bytes to upload, never a residual that already
    /// subtracted an update nobody holds. Layout: u8 version, u32 extractor fingerprint, u16 tensors, per tensor str
    /// name and u32 size; str round id ("" when no upload is committed), u32 transfer id, u32 upload length; the
    /// residual values (f32, tensor after tensor), then the upload bytes.
    /// </summary>
    public sealed class ResidualFile
    {
        public const int FormatVersion = 1;

        public uint Fingerprint;
        public string[] Names;
        public int[] Sizes;
        public float[][] Values;

        /// <summary>The round whose upload <see cref="Upload"/> holds, or "" when none is committed.</summary>
        public string RoundId = "";

        public uint TransferId;

        /// <summary>The committed upload (an encoded <see cref="ModelDelta"/>), or null.</summary>
        public byte[] Upload;

        /// <summary>True when the residual was kept for this extractor and this head's tensors (names and sizes).</summary>
        public bool Matches(uint fingerprint, TrainableHead head)
        {
            if (fingerprint != Fingerprint || Names.Length != head.TensorCount)
            {
                return false;
            }

            for (int t = 0; t < Names.Length; t++)
            {
                if (Names[t] != head.TensorName(t) || Sizes[t] != head.TensorSize(t))
                {
                    return false;
                }
            }

            return true;
        }

        public void Write(IStorage storage, string name)
        {
            LargeFileWriter w = new LargeFileWriter(storage, name, LargeFileWriter.DefaultPartBytes);
            w.WriteU8(FormatVersion);
            w.WriteU32(Fingerprint);
            w.WriteU16(Names.Length);
            for (int t = 0; t < Names.Length; t++)
            {
                w.WriteString(Names[t]);
                w.WriteU32((uint)Sizes[t]);
            }

            w.WriteString(RoundId);
            w.WriteU32(TransferId);
            w.WriteU32(Upload == null ? 0 : (uint)Upload.Length);
            for (int t = 0; t < Values.Length; t++)
            {
                float[] v = Values[t];
                for (int i = 0; i < v.Length; i++)
                {
                    w.WriteF32(v[i]);
                }
            }

            if (Upload != null)
            {
                w.WriteBytes(Upload, 0, Upload.Length);
            }

            w.Commit();
        }

        /// <summary>The file's contents, or null when it is missing, torn, corrupt or of another format.</summary>
        public static ResidualFile Read(IStorage storage, string name)
        {
            LargeFileReader r = LargeFileReader.Open(storage, name);
            if (r == null)
            {
                return null;
            }

            try
            {
                if (r.ReadU8() != FormatVersion)
                {
                    return null;
                }

                ResidualFile f = new ResidualFile();
                f.Fingerprint = r.ReadU32();
                int count = r.ReadU16();
                if (count < 1 || count > ModelDelta.MaxTensors)
                {
                    return null;
                }

                f.Names = new string[count];
                f.Sizes = new int[count];
                long total = 0;
                for (int t = 0; t < count; t++)
                {
                    f.Names[t] = r.ReadString();
                    uint size = r.ReadU32();
                    total += size;
                    if (size < 1 || total > ModelDelta.MaxTotalElements)
                    {
                        return null;
                    }

                    f.Sizes[t] = (int)size;
                }

                f.RoundId = r.ReadString();
                f.TransferId = r.ReadU32();
                uint upload = r.ReadU32();
                if ((long)r.Remaining != (4 * total) + upload)
                {
                    return null;
                }

                f.Values = new float[count][];
                for (int t = 0; t < count; t++)
                {
                    float[] v = new float[f.Sizes[t]];
                    for (int i = 0; i < v.Length; i++)
                    {
                        v[i] = r.ReadF32();
                    }

                    f.Values[t] = v;
                }

                if (upload > 0)
                {
                    f.Upload = new byte[(int)upload];
                    r.ReadBytes(f.Upload, 0, f.Upload.Length);
                }

                return f;
            }
            catch (ModelFormatException)
            {
                return null;
            }
        }

        /// <summary>The tensor of that name, or -1.</summary>
        public int IndexOf(string tensorName)
        {
            for (int t = 0; t < Names.Length; t++)
            {
                if (Names[t] == tensorName)
                {
                    return t;
                }
            }

            return -1;
        }

        /// <summary>Adds a decoded update back into the residual (an upload that will never go out), tensor by name.</summary>
        public void AddBack(ModelDelta delta)
        {
            for (int j = 0; j < delta.Tensors.Length; j++)
            {
                DeltaTensor tensor = delta.Tensors[j];
                int t = IndexOf(tensor.Name);
                if (t < 0 || Sizes[t] != tensor.ElementCount)
                {
                    throw new ArgumentException(tensor.Name + " is not a tensor of this residual");
                }

                float[] decoded = DeltaCodec.Decode(tensor);
                float[] v = Values[t];
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] += decoded[i];
                }
            }
        }
    }
}
