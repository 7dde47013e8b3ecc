using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Runtime
{
    /// <summary>
    /// The device's inference entry point: one model, loaded and planned once, then <see cref="Classify"/>
    /// per sample. Everything is allocated in the constructor (arena, kernel tables, label strings), so a
    /// classification allocates nothing and the garbage collector stays idle in the sensor loop.
    /// </summary>
    public sealed class Classifier
    {
        private readonly Int8Model _model;
        private readonly Interpreter _interpreter;
        private readonly string[] _labels;
        private long _inferenceCount;
        private int _tapOperator = -1;
        private sbyte[] _tapBuffer;
        private readonly sbyte[] _processed;

        // An anomaly model (OutputKind.Anomaly): its score, a copy of the input (the planner may reuse the input's
        // memory), and the last decision with its squared-error sum.
        private readonly AnomalyScore _anomaly;
        private readonly sbyte[] _anomalyInput;
        private long _anomalySum;
        private int _anomalyClass;

        /// <summary>Decodes and checks a model file (see docs/model-format.md) and plans its memory.</summary>
        /// <exception cref="ModelFormatException">The bytes are not a valid model for this runtime.</exception>
        public Classifier(byte[] modelBytes)
        {
            _model = ModelReader.Read(modelBytes);
            _interpreter = new Interpreter(_model);

            // Models without labels get their class numbers as labels, made here so Label never allocates.
            int classes = _interpreter.OutputLength;
            if (_model.OutputKind == OutputKind.Anomaly)
            {
                // An autoencoder reconstructs its input; the device reports two classes from its reconstruction error.
                _anomaly = new AnomalyScore(_model);
                _anomalyInput = new sbyte[_interpreter.InputLength];
                _labels = new string[] { "normal", "anomaly" };
                classes = 0;
            }
            else
            {
                _labels = new string[classes];
            }

            string[] stored = _model.Labels;
            for (int i = 0; i < classes; i++)
            {
                _labels[i] = stored != null && stored.Length == classes ? stored[i] : i.ToString();
            }

            if (_model.FrontEnd != null)
            {
                _processed = new sbyte[_interpreter.InputLength];
            }
        }

        /// <summary>The model's front-end (the processing of raw samples into its input), or null when it takes its input directly.</summary>
        public Preprocessing.FrontEnd FrontEnd
        {
            get { return _model.FrontEnd; }
        }

        /// <summary>The int8 input the front-end made for the last <see cref="ClassifySamples"/> or <see cref="ClassifyValues"/>; null without a front-end.</summary>
        public sbyte[] ProcessedInput
        {
            get { return _processed; }
        }

        public string ModelId
        {
            get { return _model.ModelId; }
        }

        public string VariantId
        {
            get { return _model.VariantId; }
        }

        /// <summary>Bytes <see cref="Classify"/> takes per sample: the model input's values, or the image front-end's frame.</summary>
        public int PixelLength
        {
            get { return _model.FrontEnd != null && _model.FrontEnd.RawPixels > 0 ? _model.FrontEnd.RawPixels : _interpreter.InputLength; }
        }

        /// <summary>Values one sample has (height x width x channels of the model input).</summary>
        public int InputLength
        {
            get { return _interpreter.InputLength; }
        }

        /// <summary>The classes the device reports: the model's outputs, or 2 (normal, anomaly) for an anomaly model.</summary>
        public int ClassCount
        {
            get { return _labels.Length; }
        }

        /// <summary>True for an autoencoder (<see cref="OutputKind.Anomaly"/>): classes are 0 normal and 1 anomaly.</summary>
        public bool IsAnomalyModel
        {
            get { return _anomaly != null; }
        }

        /// <summary>The mean squared reconstruction error of the last classification (anomaly models; 0 otherwise).</summary>
        public double AnomalyError
        {
            get { return _anomaly == null ? 0 : _anomaly.MeanSquaredError(_anomalySum); }
        }

        /// <summary>The integer squared-error sum behind <see cref="AnomalyError"/> (see <see cref="AnomalyScore"/>).</summary>
        public long AnomalyErrorSum
        {
            get { return _anomalySum; }
        }

        /// <summary>Size of the tensor arena in bytes.</summary>
        public int ArenaBytes
        {
            get { return _interpreter.ArenaBytes; }
        }

        /// <summary>RAM held outside the model buffer: the arena plus the kernels' load-time tables.</summary>
        public int WorkingBytes
        {
            get { return _interpreter.WorkingBytes; }
        }

        /// <summary>Classifications run since this classifier was made.</summary>
        public long InferenceCount
        {
            get { return _inferenceCount; }
        }

        public Interpreter Interpreter
        {
            get { return _interpreter; }
        }

        /// <summary>The operator whose input <see cref="Classify"/> copies out, or -1 without a tap.</summary>
        public int FeatureTapOperator
        {
            get { return _tapOperator; }
        }

        /// <summary>
        /// From now on, <see cref="Classify"/> copies the int8 input of operator <paramref name="operatorIndex"/> (the features
        /// a trainable head sees, <see cref="Shared.Federated.TrainableHead.FirstOperator"/>) into <paramref name="buffer"/>;
        /// a null buffer removes the tap. The copy is taken between two runs of the operator range, so the result is the same
        /// and nothing is allocated per call.
        /// </summary>
        public void SetFeatureTap(int operatorIndex, sbyte[] buffer)
        {
            if (buffer == null)
            {
                _tapOperator = -1;
                _tapBuffer = null;
                return;
            }

            Operator[] ops = _model.Operators;
            if (operatorIndex < 0 || operatorIndex >= ops.Length)
            {
                throw new ArgumentOutOfRangeException("operatorIndex", "the model has " + ops.Length + " operators");
            }

            if (buffer.Length < ops[operatorIndex].InputElements)
            {
                throw new ArgumentException("the tap buffer needs " + ops[operatorIndex].InputElements + " bytes");
            }

            _tapOperator = operatorIndex;
            _tapBuffer = buffer;
        }

        /// <summary>
        /// Classifies one sample of raw 8-bit values (for example pixels 0..255) starting at
        /// <paramref name="offset"/> and returns the index of the winning class.
        /// </summary>
        public int Classify(byte[] sample, int offset)
        {
            if (sample == null)
            {
                throw new ArgumentNullException("sample");
            }

            if (offset < 0)
            {
                throw new ArgumentOutOfRangeException("offset", "offset must not be negative");
            }

            Preprocessing.FrontEnd frontEnd = _model.FrontEnd;
            if (frontEnd != null && frontEnd.RawPixels > 0)
            {
                // A camera frame: the front-end crops, resizes and normalises it into the input.
                CheckFrontEnd(false, offset, sample.Length, frontEnd.RawPixels, "pixels");
                frontEnd.ProcessPixels(sample, offset, _processed, 0, _model.InputScale, _model.InputZeroPoint);
                _interpreter.SetInput(_processed, 0);
                return Run();
            }

            _interpreter.SetInputFromBytes(sample, offset);
            return Run();
        }

        /// <summary>
        /// Classifies raw int16 samples (audio PCM, accelerometer counts; <see cref="Preprocessing.FrontEnd.RawSamples"/> of them)
        /// through the model's front-end.
        /// </summary>
        public int ClassifySamples(short[] raw, int offset)
        {
            CheckFrontEnd(raw == null, offset, raw == null ? 0 : raw.Length, _model.FrontEnd == null ? 0 : _model.FrontEnd.RawSamples, "int16 samples");
            _model.FrontEnd.ProcessSamples(raw, offset, _processed, 0, _model.InputScale, _model.InputZeroPoint);
            _interpreter.SetInput(_processed, 0);
            return Run();
        }

        /// <summary>Classifies raw float values (a table row, a sensor frame; <see cref="Preprocessing.FrontEnd.RawValues"/> of them) through the model's front-end.</summary>
        public int ClassifyValues(float[] raw, int offset)
        {
            CheckFrontEnd(raw == null, offset, raw == null ? 0 : raw.Length, _model.FrontEnd == null ? 0 : _model.FrontEnd.RawValues, "float values");
            _model.FrontEnd.ProcessValues(raw, offset, _processed, 0, _model.InputScale, _model.InputZeroPoint);
            _interpreter.SetInput(_processed, 0);
            return Run();
        }

        private void CheckFrontEnd(bool missing, int offset, int length, int needed, string what)
        {
            if (missing)
            {
                throw new ArgumentNullException("raw");
            }

            if (_model.FrontEnd == null || needed == 0)
            {
                throw new InvalidOperationException(_model.FrontEnd == null ? "the model has no front-end: give it its input directly" : "the " + _model.FrontEnd.Name + " front-end does not take " + what);
            }

            if (offset < 0 || offset > length - needed)
            {
                throw new ArgumentOutOfRangeException("offset", "the " + _model.FrontEnd.Name + " front-end needs " + needed + " " + what);
            }
        }

        private int Run()
        {
            if (_anomaly != null)
            {
                Array.Copy(_interpreter.Arena, _interpreter.InputOffset, _anomalyInput, 0, _anomalyInput.Length);
            }

            if (_tapOperator < 0)
            {
                _interpreter.Invoke();
            }
            else
            {
                // The planner may reuse the op's input memory for a later tensor: copy it before running the rest.
                Operator op = _model.Operators[_tapOperator];
                _interpreter.InvokeRange(0, _tapOperator);
                Array.Copy(_interpreter.Arena, op.InputOffset, _tapBuffer, 0, op.InputElements);
                _interpreter.InvokeRange(_tapOperator, _model.Operators.Length);
            }

            _inferenceCount++;
            if (_anomaly == null)
            {
                return _interpreter.ArgMax();
            }

            _anomalySum = _anomaly.SquaredErrorSum(_anomalyInput, 0, _interpreter.Arena, _interpreter.OutputOffset);
            _anomalyClass = _anomaly.Classify(_anomalySum);
            return _anomalyClass;
        }

        /// <summary>The quantized score (int8) of a class after the last <see cref="Classify"/> (anomaly models: 127 for the decided class, -128 for the other).</summary>
        public int Score(int classIndex)
        {
            CheckClass(classIndex);
            if (_anomaly != null)
            {
                return classIndex == _anomalyClass ? 127 : -128;
            }

            return _interpreter.GetOutput(classIndex);
        }

        /// <summary>
        /// The top-1 confidence of the last <see cref="Classify"/> in 1/65535: the winning class's probability when the
        /// model ends in a softmax, else the softmax of the dequantized scores; for an anomaly model, how far the
        /// reconstruction error is from the threshold (<see cref="AnomalyScore.Confidence"/>).
        /// </summary>
        public int TopConfidence()
        {
            if (_anomaly != null)
            {
                return _anomaly.Confidence(_anomalySum);
            }

            Operator output = _model.Output;
            int top = _interpreter.ArgMax();
            float best = (_interpreter.GetOutput(top) - output.OutZeroPoint) * output.OutScale;
            float p;
            if (output.OpCode == Softmax.Code)
            {
                p = best;
            }
            else
            {
                float sum = 0;
                for (int i = 0; i < _labels.Length; i++)
                {
                    sum += (float)Math.Exp(((_interpreter.GetOutput(i) - output.OutZeroPoint) * output.OutScale) - best);
                }

                p = 1f / sum;
            }

            int q = (int)((p * 65535f) + 0.5f);
            return q < 0 ? 0 : (q > 65535 ? 65535 : q);
        }

        /// <summary>The label of a class: the model's own, or the class number when the model has none.</summary>
        public string Label(int classIndex)
        {
            CheckClass(classIndex);
            return _labels[classIndex];
        }

        private void CheckClass(int classIndex)
        {
            if (classIndex < 0 || classIndex >= _labels.Length)
            {
                throw new ArgumentOutOfRangeException("classIndex", "the model has " + _labels.Length + " classes");
            }
        }
    }
}
