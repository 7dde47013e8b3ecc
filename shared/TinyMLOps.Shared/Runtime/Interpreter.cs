using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Shared.Runtime
{
    /// <summary>
    /// Runs an <see cref="Int8Model"/>. All memory (the arena, the input lookup table, kernel tables) is
    /// allocated here, once; <see cref="Invoke"/> allocates nothing.
    /// </summary>
    public sealed class Interpreter
    {
        private readonly Int8Model _model;
        private readonly sbyte[] _arena;
        private readonly sbyte[] _pixelToInput;
        private readonly int _inputOffset;
        private readonly int _outputOffset;
        private readonly int _outputLength;
        private readonly IKernelBackend _backend;

        /// <summary>An interpreter on the default kernel backend (<see cref="KernelBackends.Default"/>).</summary>
        public Interpreter(Int8Model model)
            : this(model, KernelBackends.Default)
        {
        }

        /// <summary>An interpreter whose operators run on backend where it takes them; null runs the C# kernels only.</summary>
        public Interpreter(Int8Model model, IKernelBackend backend)
        {
            _model = model;
            _backend = backend;
            int arenaBytes = MemoryPlanner.Plan(model);
            _arena = new sbyte[arenaBytes];
            Operator[] ops = model.Operators;
            if (backend != null)
            {
                for (int i = 0; i < ops.Length; i++)
                {
                    ops[i].Describe();
                }
            }

            _inputOffset = ops[0].InputOffset;
            _outputOffset = ops[ops.Length - 1].OutputOffset;
            _outputLength = ops[ops.Length - 1].OutputElements;

            // Raw 8-bit sensor values (pixels) map to real values v/255; precompute their quantized form.
            _pixelToInput = new sbyte[256];
            QuantMath.FillPixelTable(_pixelToInput, model.InputScale, model.InputZeroPoint);
        }

        public Int8Model Model
        {
            get { return _model; }
        }

        /// <summary>The kernel backend, or null for the C# kernels.</summary>
        public IKernelBackend Backend
        {
            get { return _backend; }
        }

        /// <summary>The whole arena; the input and output tensors are views into it.</summary>
        public sbyte[] Arena
        {
            get { return _arena; }
        }

        public int ArenaBytes
        {
            get { return _arena.Length; }
        }

        public int InputOffset
        {
            get { return _inputOffset; }
        }

        public int InputLength
        {
            get { return _model.InputElements; }
        }

        public int OutputOffset
        {
            get { return _outputOffset; }
        }

        public int OutputLength
        {
            get { return _outputLength; }
        }

        /// <summary>Bytes this interpreter holds in RAM outside the model buffer: arena plus kernel tables.</summary>
        public int WorkingBytes
        {
            get
            {
                int total = _arena.Length + _pixelToInput.Length;
                for (int i = 0; i < _model.Operators.Length; i++)
                {
                    total += _model.Operators[i].ScratchBytes;
                }

                return total;
            }
        }

        /// <summary>Copies an already quantized input.</summary>
        public void SetInput(sbyte[] input, int offset)
        {
            CheckInput(input.Length - offset);
            Array.Copy(input, offset, _arena, _inputOffset, _model.InputElements);
        }

        /// <summary>Quantizes raw 8-bit values (for example pixels 0..255, meaning 0..1) into the input tensor.</summary>
        public void SetInputFromBytes(byte[] raw, int offset)
        {
            CheckInput(raw.Length - offset);
            int n = _model.InputElements;
            for (int i = 0; i < n; i++)
            {
                _arena[_inputOffset + i] = _pixelToInput[raw[offset + i]];
            }
        }

        /// <summary>Quantizes real-valued inputs into the input tensor.</summary>
        public void SetInputFromFloats(float[] values, int offset)
        {
            CheckInput(values.Length - offset);
            int n = _model.InputElements;
            for (int i = 0; i < n; i++)
            {
                _arena[_inputOffset + i] = QuantMath.Quantize(values[offset + i], _model.InputScale, _model.InputZeroPoint);
            }
        }

        public void Invoke()
        {
            InvokeRange(0, _model.Operators.Length);
        }

        /// <summary>Runs operators [first, end) only: the frozen part of a model up to a trainable head, then the head.</summary>
        public void InvokeRange(int first, int end)
        {
            Operator[] ops = _model.Operators;
            if (first < 0 || end > ops.Length || first > end)
            {
                throw new ArgumentOutOfRangeException("first", "operator range " + first + ".." + end + " of " + ops.Length);
            }

            IKernelBackend backend = _backend;
            for (int i = first; i < end; i++)
            {
                if (backend == null || !ops[i].Offload(backend, _arena))
                {
                    ops[i].Eval(_arena);
                }
            }
        }

        public sbyte GetOutput(int index)
        {
            return _arena[_outputOffset + index];
        }

        /// <summary>Index of the largest output (the first one on ties).</summary>
        public int ArgMax()
        {
            int best = 0;
            int bestValue = _arena[_outputOffset];
            for (int i = 1; i < _outputLength; i++)
            {
                if (_arena[_outputOffset + i] > bestValue)
                {
                    bestValue = _arena[_outputOffset + i];
                    best = i;
                }
            }

            return best;
        }

        private void CheckInput(int available)
        {
            if (available < _model.InputElements)
            {
                throw new ArgumentException("input needs " + _model.InputElements + " values, got " + available);
            }
        }
    }
}
