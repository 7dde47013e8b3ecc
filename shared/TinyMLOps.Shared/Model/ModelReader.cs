using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Model
{
    /// <summary>
    /// Decodes the model format. It checks the envelope (magic, version, length, CRC, content hash) before it
    /// parses anything, then every length as it goes. All failures are <see cref="ModelFormatException"/>.
    /// Weights stay in the given buffer and are read in place by the kernels.
    /// </summary>
    public static class ModelReader
    {
        public static Int8Model Read(byte[] data)
        {
            if (data == null)
            {
                throw new ModelFormatException("no model data");
            }

            ByteReader header = new ByteReader(data, 0, data.Length);
            if (data.Length < 6)
            {
                throw new ModelFormatException("truncated: " + data.Length + " bytes is shorter than the model header");
            }

            if (header.ReadI32("magic") != ModelFormat.Magic)
            {
                throw new ModelFormatException("not a TinyMLOps model (bad magic)");
            }

            int version = header.ReadU16("format version");
            if (version < ModelFormat.MinVersion || version > ModelFormat.Version)
            {
                throw new ModelFormatException("unsupported model format version " + version + " (this runtime reads versions " + ModelFormat.MinVersion + " to " + ModelFormat.Version + ")");
            }

            if (data.Length < ModelFormat.HeaderBytes + ModelFormat.CrcBytes)
            {
                throw new ModelFormatException("truncated: " + data.Length + " bytes is shorter than the model header");
            }

            int flags = header.ReadU16("flags");
            int length = header.ReadI32("file length");
            if (length != data.Length)
            {
                throw new ModelFormatException("length mismatch: header says " + (uint)length + " bytes, file has " + data.Length + " (truncated or padded)");
            }

            if ((flags & ~(ModelFormat.FlagDriftProfile | ModelFormat.FlagFrontEnd)) != 0)
            {
                throw new ModelFormatException("unknown flags 0x" + flags.ToString("X4"));
            }

            int crcAt = length - ModelFormat.CrcBytes;
            uint storedCrc = new ByteReader(data, crcAt, length).ReadU32("crc");
            if (Crc32.Compute(data, 0, crcAt) != storedCrc)
            {
                throw new ModelFormatException("CRC mismatch: the file is corrupt");
            }

            byte[] hash = Sha256.Compute(data, ModelFormat.HeaderBytes, crcAt - ModelFormat.HeaderBytes);
            for (int i = 0; i < ModelFormat.HashBytes; i++)
            {
                if (hash[i] != data[ModelFormat.HashOffset + i])
                {
                    throw new ModelFormatException("content hash mismatch: the body does not match its SHA-256");
                }
            }

            Int8Model model = ReadBody(new ByteReader(data, ModelFormat.HeaderBytes, crcAt), version, (flags & ModelFormat.FlagDriftProfile) != 0, (flags & ModelFormat.FlagFrontEnd) != 0);
            model.ContentHash = hash;
            model.FileBytes = length;
            return model;
        }

        private static Int8Model ReadBody(ByteReader r, int version, bool hasProfile, bool hasFrontEnd)
        {
            Int8Model m = new Int8Model();
            m.ModelId = r.ReadString("model id");
            m.VariantId = r.ReadString("variant id");
            m.InputH = ReadDim(r, "input height");
            m.InputW = ReadDim(r, "input width");
            m.InputC = ReadDim(r, "input channels");
            CheckElements((long)m.InputH * m.InputW * m.InputC, "input");
            m.InputScale = ReadScale(r, "input scale");
            m.InputZeroPoint = r.ReadI8("input zero point");
            if (version >= 2)
            {
                ReadMeaning(r, m);
            }

            int labelCount = r.ReadU16("label count");
            if (labelCount > ModelFormat.MaxLabels)
            {
                throw new ModelFormatException("too many labels: " + labelCount);
            }

            m.Labels = new string[labelCount];
            for (int i = 0; i < labelCount; i++)
            {
                m.Labels[i] = r.ReadString("label");
            }

            int opCount = r.ReadU16("operator count");
            if (opCount == 0 || opCount > ModelFormat.MaxOperators)
            {
                throw new ModelFormatException("operator count " + opCount + " outside 1.." + ModelFormat.MaxOperators);
            }

            m.Operators = new Operator[opCount];
            for (int i = 0; i < opCount; i++)
            {
                m.Operators[i] = ReadOperator(r, m, i, version);
            }

            if (hasProfile)
            {
                int profileLength = r.ReadI32("drift profile length");
                if (profileLength < 0)
                {
                    throw new ModelFormatException("drift profile length " + (uint)profileLength + " invalid, " + r.Remaining + " bytes left");
                }

                int at = r.Skip(profileLength, "drift profile");
                m.DriftProfile = DriftProfile.Decode(r.Data, at, profileLength);
                m.DriftProfile.CheckFits(m.InputH, m.InputW, m.InputC, m.ReportedClasses);
            }

            if (hasFrontEnd)
            {
                int frontEndLength = r.ReadI32("front-end length");
                if (frontEndLength < 1)
                {
                    throw new ModelFormatException("front-end length " + (uint)frontEndLength + " invalid, " + r.Remaining + " bytes left");
                }

                int at = r.Skip(frontEndLength, "front-end");
                m.FrontEnd = FrontEndCodec.Decode(r.Data, at, frontEndLength);
                m.FrontEnd.CheckFits(m.InputH, m.InputW, m.InputC);
            }

            if (r.Remaining != 0)
            {
                throw new ModelFormatException(r.Remaining + " unexpected bytes after the last " + (hasProfile || hasFrontEnd ? "section" : "operator"));
            }

            if (labelCount != 0 && labelCount != m.Output.OutputElements)
            {
                throw new ModelFormatException("model has " + labelCount + " labels but " + m.Output.OutputElements + " outputs");
            }

            return m;
        }

        /// <summary>Version 2: how the input is laid out and what the output means.</summary>
        private static void ReadMeaning(ByteReader r, Int8Model m)
        {
            int layout = r.ReadU8("input layout");
            if (layout > (int)InputLayout.Nct)
            {
                throw new ModelFormatException("unknown input layout " + layout);
            }

            m.InputLayout = (InputLayout)layout;
            if (m.InputLayout == InputLayout.Features && (m.InputH != 1 || m.InputW != 1))
            {
                throw new ModelFormatException("a feature input must be 1x1xF, not " + m.InputH + "x" + m.InputW + "x" + m.InputC);
            }

            if (m.InputLayout == InputLayout.Nct && m.InputH != 1)
            {
                throw new ModelFormatException("a [C,T] input must be 1xTxC, not " + m.InputH + "x" + m.InputW + "x" + m.InputC);
            }

            int kind = r.ReadU8("output kind");
            if (kind > (int)OutputKind.Anomaly)
            {
                throw new ModelFormatException("unknown output kind " + kind);
            }

            m.OutputKind = (OutputKind)kind;
            float threshold = r.ReadF32("anomaly threshold");
            if (!(threshold >= 0f) || float.IsInfinity(threshold))
            {
                throw new ModelFormatException("anomaly threshold must be finite and not negative");
            }

            m.AnomalyThreshold = threshold;
        }

        private static Operator ReadOperator(ByteReader r, Int8Model m, int index, int version)
        {
            int code = r.ReadU8("op code");
            Operator op = OperatorFactory.Create(code);
            if (op == null)
            {
                throw new ModelFormatException("operator " + index + ": unknown op code " + code);
            }

            int recordLength = r.ReadI32("operator record length");
            if (recordLength < ModelFormat.OperatorHeaderBytes || recordLength > r.Remaining)
            {
                throw new ModelFormatException("operator " + index + " (" + op.Name + "): record length " + (uint)recordLength + " invalid, " + r.Remaining + " bytes left");
            }

            int end = r.Position + recordLength;
            m.Operators[index] = op;
            if (version >= 2)
            {
                int count = r.ReadU8("input count");
                if (count == 0 || count > ModelFormat.MaxOperatorInputs)
                {
                    throw new ModelFormatException("operator " + index + " (" + op.Name + "): input count " + count + " outside 1.." + ModelFormat.MaxOperatorInputs);
                }

                op.InputIds = new int[count];
                for (int k = 0; k < count; k++)
                {
                    op.InputIds[k] = r.ReadU16("input tensor id");
                }

                op.NodeName = r.ReadString("node name");
            }

            m.LinkOperator(index);
            op.FusedActivation = r.ReadU8("activation");
            if (!Activation.IsValid(op.FusedActivation))
            {
                throw new ModelFormatException("operator " + index + " (" + op.Name + "): unknown activation " + op.FusedActivation);
            }

            op.OutH = ReadDim(r, "output height");
            op.OutW = ReadDim(r, "output width");
            op.OutC = ReadDim(r, "output channels");
            CheckElements((long)op.OutH * op.OutW * op.OutC, op.Name + " output");
            op.OutScale = ReadScale(r, "output scale");
            op.OutZeroPoint = r.ReadI8("output zero point");
            op.ReadParams(r);
            if (r.Position != end)
            {
                throw new ModelFormatException("operator " + index + " (" + op.Name + "): record length " + recordLength + " does not match its contents");
            }

            op.Prepare();
            return op;
        }

        private static int ReadDim(ByteReader r, string what)
        {
            int v = r.ReadU16(what);
            if (v < 1 || v > Operator.MaxDimension)
            {
                throw new ModelFormatException(what + " " + v + " outside 1.." + Operator.MaxDimension);
            }

            return v;
        }

        private static void CheckElements(long elements, string what)
        {
            if (elements > Operator.MaxTensorElements)
            {
                throw new ModelFormatException(what + " has " + elements + " elements, more than " + Operator.MaxTensorElements);
            }
        }

        private static float ReadScale(ByteReader r, string what)
        {
            float s = r.ReadF32(what);
            if (!(s > 0f) || float.IsInfinity(s))
            {
                throw new ModelFormatException(what + " must be finite and positive");
            }

            return s;
        }
    }
}
