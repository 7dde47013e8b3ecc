using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Shared.Model
{
    /// <summary>A sequential int8 model: input quantization, class labels and a chain of operators.</summary>
    public sealed class Int8Model
    {
        public string ModelId;
        public string VariantId;

        /// <summary>SHA-256 of the body (see docs/model-format.md); set by the reader and the writer.</summary>
        public byte[] ContentHash;

        public int InputH;
        public int InputW;
        public int InputC;
        public float InputScale;
        public int InputZeroPoint;
        public string[] Labels;
        public Operator[] Operators;

        /// <summary>Reference histograms for drift monitoring, or null; written after the operators when set.</summary>
        public DriftProfile DriftProfile;

        /// <summary>Size of the encoded file, set by the reader and the writer.</summary>
        public int FileBytes;

        public int InputElements
        {
            get { return InputH * InputW * InputC; }
        }

        public Operator Output
        {
            get { return Operators[Operators.Length - 1]; }
        }

        public long TotalMacs
        {
            get
            {
                long total = 0;
                for (int i = 0; i < Operators.Length; i++)
                {
                    total += Operators[i].Macs;
                }

                return total;
            }
        }

        /// <summary>Gives operator i the input of operator i-1 (the model input for the first) and prepares it.</summary>
        public void LinkOperator(int index)
        {
            Operator op = Operators[index];
            if (index == 0)
            {
                op.InH = InputH;
                op.InW = InputW;
                op.InC = InputC;
                op.InScale = InputScale;
                op.InZeroPoint = InputZeroPoint;
            }
            else
            {
                Operator prev = Operators[index - 1];
                op.InH = prev.OutH;
                op.InW = prev.OutW;
                op.InC = prev.OutC;
                op.InScale = prev.OutScale;
                op.InZeroPoint = prev.OutZeroPoint;
            }
        }

        /// <summary>Links and prepares every operator; throws <see cref="ModelFormatException"/> on inconsistency.</summary>
        public void Prepare()
        {
            if (Operators == null || Operators.Length == 0)
            {
                throw new ModelFormatException("a model needs at least one operator");
            }

            for (int i = 0; i < Operators.Length; i++)
            {
                LinkOperator(i);
                Operators[i].Prepare();
            }

            if (Labels != null && Labels.Length != 0 && Labels.Length != Output.OutputElements)
            {
                throw new ModelFormatException("model has " + Labels.Length + " labels but " + Output.OutputElements + " outputs");
            }
        }
    }
}
