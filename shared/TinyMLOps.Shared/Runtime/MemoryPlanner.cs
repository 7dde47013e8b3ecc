using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Runtime
{
    /// <summary>
    /// Static arena plan for a sequential model, computed once at load. Only a layer's input and output are
    /// alive at the same time, so buffers alternate between the start and the end of one arena, and its size
    /// is the largest sum of two neighbouring buffers. In-place layers (reshape) reuse their input buffer.
    /// </summary>
    public static class MemoryPlanner
    {
        /// <summary>Assigns every operator's input and output offsets and returns the arena size in bytes.</summary>
        public static int Plan(Int8Model model)
        {
            Operator[] ops = model.Operators;

            // Buffer sizes along the chain; buffer 0 is the model input.
            int[] sizes = new int[ops.Length + 1];
            int[] bufferOf = new int[ops.Length + 1];
            int buffers = 1;
            sizes[0] = model.InputElements;
            for (int i = 0; i < ops.Length; i++)
            {
                if (ops[i].IsInPlace)
                {
                    bufferOf[i + 1] = bufferOf[i];
                }
                else
                {
                    bufferOf[i + 1] = buffers;
                    sizes[buffers] = ops[i].OutputElements;
                    buffers++;
                }
            }

            int arena = sizes[0];
            for (int b = 0; b + 1 < buffers; b++)
            {
                int pair = sizes[b] + sizes[b + 1];
                if (pair > arena)
                {
                    arena = pair;
                }
            }

            for (int i = 0; i < ops.Length; i++)
            {
                ops[i].InputOffset = OffsetOf(bufferOf[i], sizes, arena);
                ops[i].OutputOffset = OffsetOf(bufferOf[i + 1], sizes, arena);
            }

            return arena;
        }

        /// <summary>Even buffers sit at the start of the arena, odd ones at its end.</summary>
        public static int OffsetOf(int buffer, int[] sizes, int arena)
        {
            return (buffer & 1) == 0 ? 0 : arena - sizes[buffer];
        }
    }
}
