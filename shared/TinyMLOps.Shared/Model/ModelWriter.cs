using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Model
{
    /// <summary>Encodes an <see cref="Int8Model"/> in the current model format (version 2), computing its content hash and CRC.</summary>
    public static class ModelWriter
    {
        public static byte[] Write(Int8Model model)
        {
            model.Prepare();
            byte[] profile = null;
            if (model.DriftProfile != null)
            {
                model.DriftProfile.CheckFits(model.InputH, model.InputW, model.InputC, model.ReportedClasses);
                profile = model.DriftProfile.Encode();
            }

            byte[] frontEnd = null;
            if (model.FrontEnd != null)
            {
                model.FrontEnd.CheckFits(model.InputH, model.InputW, model.InputC);
                frontEnd = model.FrontEnd.Encode();
            }

            ByteWriter w = new ByteWriter(1024);
            w.WriteI32(ModelFormat.Magic);
            w.WriteU16(ModelFormat.Version);
            w.WriteU16((profile == null ? 0 : ModelFormat.FlagDriftProfile) | (frontEnd == null ? 0 : ModelFormat.FlagFrontEnd));
            w.WriteI32(0); // file length, patched below
            for (int i = 0; i < ModelFormat.HashBytes; i++)
            {
                w.WriteU8(0); // content hash, patched below
            }

            w.WriteString(model.ModelId ?? string.Empty);
            w.WriteString(model.VariantId ?? string.Empty);
            w.WriteU16(model.InputH);
            w.WriteU16(model.InputW);
            w.WriteU16(model.InputC);
            w.WriteF32(model.InputScale);
            w.WriteU8(model.InputZeroPoint & 0xFF);
            w.WriteU8((int)model.InputLayout);
            w.WriteU8((int)model.OutputKind);
            w.WriteF32(model.AnomalyThreshold);
            string[] labels = model.Labels ?? new string[0];
            w.WriteU16(labels.Length);
            for (int i = 0; i < labels.Length; i++)
            {
                w.WriteString(labels[i]);
            }

            w.WriteU16(model.Operators.Length);
            for (int i = 0; i < model.Operators.Length; i++)
            {
                Operator op = model.Operators[i];
                w.WriteU8(op.OpCode);
                int lengthAt = w.Length;
                w.WriteI32(0);
                int start = w.Length;
                int inputs = op.InputCount;
                w.WriteU8(inputs);
                for (int k = 0; k < inputs; k++)
                {
                    w.WriteU16(model.InputIdOf(i, k));
                }

                w.WriteString(op.NodeName ?? string.Empty);
                w.WriteU8(op.FusedActivation);
                w.WriteU16(op.OutH);
                w.WriteU16(op.OutW);
                w.WriteU16(op.OutC);
                w.WriteF32(op.OutScale);
                w.WriteU8(op.OutZeroPoint & 0xFF);
                op.WriteParams(w);
                w.PatchI32(lengthAt, w.Length - start);
            }

            if (profile != null)
            {
                w.WriteI32(profile.Length);
                w.WriteBytes(profile, 0, profile.Length);
            }

            if (frontEnd != null)
            {
                w.WriteI32(frontEnd.Length);
                w.WriteBytes(frontEnd, 0, frontEnd.Length);
            }

            int total = w.Length + ModelFormat.CrcBytes;
            w.WriteI32(0);
            byte[] data = w.ToArray();
            WriteI32(data, 8, total);
            byte[] hash = Sha256.Compute(data, ModelFormat.HeaderBytes, total - ModelFormat.CrcBytes - ModelFormat.HeaderBytes);
            for (int i = 0; i < hash.Length; i++)
            {
                data[ModelFormat.HashOffset + i] = hash[i];
            }

            WriteI32(data, total - ModelFormat.CrcBytes, (int)Crc32.Compute(data, 0, total - ModelFormat.CrcBytes));
            model.ContentHash = hash;
            model.FileBytes = total;
            return data;
        }

        private static void WriteI32(byte[] data, int at, int value)
        {
            data[at] = (byte)value;
            data[at + 1] = (byte)(value >> 8);
            data[at + 2] = (byte)(value >> 16);
            data[at + 3] = (byte)(value >> 24);
        }
    }
}
