using System;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The arguments of the <see cref="CommandName"/> command: train the head of one role's model on local labelled
    /// samples and upload the delta (content type 2, <see cref="Federated.ModelDelta"/>). The device answers the
    /// command at once (accepted, or refused with the reason: wrong variant, too few samples, no RAM), trains later
    /// when its policy allows (plugged in and idle when asked), and drops the round after the deadline.
    /// </summary>
    public sealed class RoundInvite
    {
        public const string CommandName = "round-invite";

        public const int FlagErrorFeedback = 1;
        public const int FlagRequirePlugged = 2;

        public const int MaxEpochs = 50;
        public const int MaxBatch = 1024;

        public string RoundId = "";
        public int Role;
        public string BaseVariantId = "";

        /// <summary>The content hash of the model the delta must be computed against.</summary>
        public byte[] BaseHash = new byte[ArtifactTag.HashBytes];

        public int Layers = 1;
        public int Epochs = 1;
        public int BatchSize = 16;
        public float LearningRate = 0.05f;

        /// <summary>FedProx μ: 0 trains plain SGD.</summary>
        public float ProximalMu;

        /// <summary>The L2 bound of the whole update before quantization.</summary>
        public float ClipNorm = 10f;

        /// <summary>Top-k fraction per tensor; 1 sends dense int8.</summary>
        public float KeepFraction = 1f;

        public int Flags = FlagErrorFeedback | FlagRequirePlugged;
        public int MinSamples = 1;
        public int MaxSamples = 512;

        /// <summary>Seconds without an inference before training may start.</summary>
        public int IdleSeconds;

        /// <summary>Unix seconds after which the device neither trains nor uploads for this round.</summary>
        public uint Deadline;

        public uint Seed;

        public bool ErrorFeedback
        {
            get { return (Flags & FlagErrorFeedback) != 0; }
        }

        public bool RequirePlugged
        {
            get { return (Flags & FlagRequirePlugged) != 0; }
        }

        public byte[] Encode()
        {
            if (BaseHash == null || BaseHash.Length != ArtifactTag.HashBytes)
            {
                throw new ArgumentException("the base hash is " + ArtifactTag.HashBytes + " bytes");
            }

            ByteWriter w = new ByteWriter(80 + RoundId.Length + BaseVariantId.Length);
            w.WriteString(RoundId);
            w.WriteU8(Role);
            w.WriteString(BaseVariantId);
            w.WriteBytes(BaseHash, 0, BaseHash.Length);
            w.WriteU8(Layers);
            w.WriteU8(Epochs);
            w.WriteU16(BatchSize);
            w.WriteF32(LearningRate);
            w.WriteF32(ProximalMu);
            w.WriteF32(ClipNorm);
            w.WriteF32(KeepFraction);
            w.WriteU8(Flags);
            w.WriteU16(MinSamples);
            w.WriteU16(MaxSamples);
            w.WriteU16(IdleSeconds);
            w.WriteI32((int)Deadline);
            w.WriteI32((int)Seed);
            return w.ToArray();
        }

        public static RoundInvite Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, CommandName);
            try
            {
                RoundInvite v = new RoundInvite();
                v.RoundId = PayloadCodec.ReadString(r, CommandName, "round id");
                v.Role = r.ReadU8("role");
                v.BaseVariantId = PayloadCodec.ReadString(r, CommandName, "base variant id");
                int start = r.Skip(ArtifactTag.HashBytes, "base hash");
                v.BaseHash = new byte[ArtifactTag.HashBytes];
                Array.Copy(r.Data, start, v.BaseHash, 0, ArtifactTag.HashBytes);
                v.Layers = r.ReadU8("layers");
                v.Epochs = r.ReadU8("epochs");
                v.BatchSize = r.ReadU16("batch size");
                v.LearningRate = r.ReadF32("learning rate");
                v.ProximalMu = r.ReadF32("proximal mu");
                v.ClipNorm = r.ReadF32("clip norm");
                v.KeepFraction = r.ReadF32("keep fraction");
                v.Flags = r.ReadU8("flags");
                v.MinSamples = r.ReadU16("min samples");
                v.MaxSamples = r.ReadU16("max samples");
                v.IdleSeconds = r.ReadU16("idle seconds");
                v.Deadline = r.ReadU32("deadline");
                v.Seed = r.ReadU32("seed");
                PayloadCodec.End(r, CommandName);
                v.Check();
                return v;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, CommandName);
            }
        }

        private void Check()
        {
            if (RoundId.Length == 0 || BaseVariantId.Length == 0)
            {
                throw PayloadCodec.Invalid(CommandName, "round id and base variant id are required");
            }

            if (!VariantAssignment.IsRole(Role))
            {
                throw PayloadCodec.Invalid(CommandName, "role " + Role);
            }

            if (Layers < 1 || Layers > Federated.TrainableHead.MaxLayers)
            {
                throw PayloadCodec.Invalid(CommandName, "layers " + Layers);
            }

            if (Epochs < 1 || Epochs > MaxEpochs || BatchSize < 1 || BatchSize > MaxBatch)
            {
                throw PayloadCodec.Invalid(CommandName, "epochs " + Epochs + ", batch " + BatchSize);
            }

            // Written so NaN fails too (every comparison with NaN is false).
            if (!(LearningRate > 0 && LearningRate <= 10) || !(ProximalMu >= 0 && ProximalMu <= 100)
                || !(ClipNorm > 0 && ClipNorm <= 1e6f) || !(KeepFraction > 0 && KeepFraction <= 1))
            {
                throw PayloadCodec.Invalid(CommandName, "learning rate, mu, clip norm or keep fraction out of range");
            }

            if ((Flags & ~(FlagErrorFeedback | FlagRequirePlugged)) != 0)
            {
                throw PayloadCodec.Invalid(CommandName, "flags " + Flags);
            }

            if (MinSamples < 1 || MaxSamples < MinSamples)
            {
                throw PayloadCodec.Invalid(CommandName, "samples " + MinSamples + ".." + MaxSamples);
            }
        }
    }
}
