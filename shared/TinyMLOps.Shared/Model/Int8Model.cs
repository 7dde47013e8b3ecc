using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Shared.Model
{
    /// <summary>
    /// An int8 model: its input (shape, layout, quantization), its output's meaning (class labels, regression,
    /// anomaly score) and a graph of operators in execution order, each writing one tensor (tensor k is operator
    /// k - 1's output, tensor 0 the input) and reading earlier ones. The last operator's output is the model's.
    /// </summary>
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

        /// <summary>How the user's input maps onto the HWC input tensor.</summary>
        public InputLayout InputLayout;

        /// <summary>What the output means.</summary>
        public OutputKind OutputKind;

        /// <summary>For an anomaly model: the reconstruction error (mean squared, in real units) at and above which an input is anomalous.</summary>
        public float AnomalyThreshold;

        /// <summary>Reference histograms for drift monitoring, or null; written after the operators when set.</summary>
        public DriftProfile DriftProfile;

        /// <summary>The signal processing that turns raw samples into the input, or null (the input is given quantized or as floats); written last.</summary>
        public Preprocessing.FrontEnd FrontEnd;

        /// <summary>Size of the encoded file, set by the reader and the writer.</summary>
        public int FileBytes;

        /// <summary>The input's dimensions as the user gives them, without the batch: C, H, W for NCHW, F for features, C, T for NCT.</summary>
        public int[] UserInputShape()
        {
            switch (InputLayout)
            {
                case InputLayout.Nchw:
                    return new int[] { InputC, InputH, InputW };
                case InputLayout.Features:
                    return new int[] { InputC };
                case InputLayout.Nct:
                    return new int[] { InputC, InputW };
                default:
                    return new int[] { InputH, InputW, InputC };
            }
        }

        public int InputElements
        {
            get { return InputH * InputW * InputC; }
        }

        public Operator Output
        {
            get { return Operators[Operators.Length - 1]; }
        }

        /// <summary>The classes the device reports (and drift counts): the outputs, or 2 (normal, anomaly) for an anomaly model.</summary>
        public int ReportedClasses
        {
            get { return OutputKind == OutputKind.Anomaly ? 2 : Output.OutputElements; }
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

        /// <summary>The shape and quantization of tensor <paramref name="id"/>: 0 the input, k the output of operator k - 1.</summary>
        public TensorSpec TensorSpecOf(int id)
        {
            if (id == 0)
            {
                return new TensorSpec(InputH, InputW, InputC, InputScale, InputZeroPoint);
            }

            Operator producer = Operators[id - 1];
            return new TensorSpec(producer.OutH, producer.OutW, producer.OutC, producer.OutScale, producer.OutZeroPoint);
        }

        /// <summary>
        /// Gives operator <paramref name="index"/> its input tensors (by default the previous operator's output, or the
        /// model input for the first) and checks that each is an earlier tensor, so the operators are in execution order.
        /// </summary>
        public void LinkOperator(int index)
        {
            Operator op = Operators[index];
            int[] ids = op.InputIds;
            int count = ids == null ? 1 : ids.Length;
            if (count < op.MinInputs || count > op.MaxInputs)
            {
                throw new ModelFormatException("operator " + index + " (" + op.Name + "): " + count + " inputs, it takes " + (op.MinInputs == op.MaxInputs ? op.MinInputs.ToString() : op.MinInputs + ".." + op.MaxInputs));
            }

            op.Inputs = new TensorSpec[count];
            for (int k = 0; k < count; k++)
            {
                int id = ids == null ? index : ids[k];
                if (id < 0 || id > index)
                {
                    throw new ModelFormatException("operator " + index + " (" + op.Name + "): input " + k + " is tensor " + id + ", not one computed before it (0.." + index + ")");
                }

                op.Inputs[k] = TensorSpecOf(id);
            }

            TensorSpec first = op.Inputs[0];
            op.InH = first.H;
            op.InW = first.W;
            op.InC = first.C;
            op.InScale = first.Scale;
            op.InZeroPoint = first.ZeroPoint;
        }

        /// <summary>The tensor operator <paramref name="index"/> reads as its input <paramref name="k"/>.</summary>
        public int InputIdOf(int index, int k)
        {
            int[] ids = Operators[index].InputIds;
            return ids == null ? index : ids[k];
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
