using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Runtime
{
    /// <summary>
    /// Static arena plan for a model graph, computed once at load (docs/model-format.md, "Memory plan"). Each tensor
    /// lives from the step that writes it to the last step that reads it (the model's output to the end); an in-place
    /// operator's output shares its input's buffer. Buffers are placed largest first, each at the lowest offset
    /// where it overlaps no placed buffer that is alive at the same time (the greedy-by-size plan of TFLM); the same
    /// placement in three other orders (longest-lived, largest size times lifetime, first written) is tried too and the
    /// smallest arena kept, since no one order wins on every graph.
    /// </summary>
    public static class MemoryPlanner
    {
        /// <summary>Assigns every operator's input and output offsets and returns the arena size in bytes.</summary>
        public static int Plan(Int8Model model)
        {
            Lifetimes life = new Lifetimes(model);
            int[] offsets = new int[life.Size.Length];
            int arena = Greedy(life, offsets, life.BySizeDescending());
            int[] trial = new int[offsets.Length];
            for (int k = 0; k < 3; k++)
            {
                int size = Greedy(life, trial, life.Order(k));
                if (size < arena)
                {
                    arena = size;
                    int[] swap = offsets;
                    offsets = trial;
                    trial = swap;
                }
            }

            // A chain also fits alternating between the arena's two ends, in its largest neighbouring pair (the lower
            // bound), which greedy-by-size can miss when sizes go up and down along the chain.
            int[] ends = new int[offsets.Length];
            int twoEnded = life.IsChain ? TwoEnded(life, ends) : int.MaxValue;
            if (twoEnded < arena)
            {
                arena = twoEnded;
                offsets = ends;
            }

            Operator[] ops = model.Operators;
            for (int i = 0; i < ops.Length; i++)
            {
                Operator op = ops[i];
                int inputs = op.InputCount;
                op.InputOffsets = new int[inputs];
                for (int k = 0; k < inputs; k++)
                {
                    op.InputOffsets[k] = offsets[life.BufferOf[model.InputIdOf(i, k)]];
                }

                op.InputOffset = op.InputOffsets[0];
                op.OutputOffset = offsets[life.BufferOf[i + 1]];
            }

            return arena;
        }

        /// <summary>Buffers of a chain, in order, alternately at the arena's start and at its end.</summary>
        private static int TwoEnded(Lifetimes life, int[] offsets)
        {
            int arena = 0;
            int previous = -1;
            for (int b = 0; b < life.Size.Length; b++)
            {
                if (life.IsRoot(b))
                {
                    arena = previous < 0 ? life.Size[b] : System.Math.Max(arena, life.Size[previous] + life.Size[b]);
                    previous = b;
                }
            }

            bool start = true;
            for (int b = 0; b < life.Size.Length; b++)
            {
                if (life.IsRoot(b))
                {
                    offsets[b] = start ? 0 : arena - life.Size[b];
                    start = !start;
                }
            }

            return arena;
        }

        /// <summary>Buffers in the given order, each at the lowest offset free of the buffers alive with it.</summary>
        private static int Greedy(Lifetimes life, int[] offsets, int[] order)
        {
            int buffers = life.Size.Length;
            bool[] placed = new bool[buffers];
            int arena = 0;
            int[] starts = new int[buffers];
            int[] ends = new int[buffers];
            for (int n = 0; n < order.Length; n++)
            {
                int b = order[n];
                if (!life.IsRoot(b))
                {
                    continue;
                }

                // The placed buffers alive together with b, sorted by offset; b takes the first gap it fits in.
                int count = 0;
                for (int other = 0; other < buffers; other++)
                {
                    if (placed[other] && life.Overlap(b, other))
                    {
                        int at = count++;
                        while (at > 0 && starts[at - 1] > offsets[other])
                        {
                            starts[at] = starts[at - 1];
                            ends[at] = ends[at - 1];
                            at--;
                        }

                        starts[at] = offsets[other];
                        ends[at] = offsets[other] + life.Size[other];
                    }
                }

                int offset = 0;
                for (int i = 0; i < count; i++)
                {
                    if (starts[i] - offset >= life.Size[b])
                    {
                        break;
                    }

                    if (ends[i] > offset)
                    {
                        offset = ends[i];
                    }
                }

                offsets[b] = offset;
                placed[b] = true;
                if (offset + life.Size[b] > arena)
                {
                    arena = offset + life.Size[b];
                }
            }

            return arena;
        }

        /// <summary>The most bytes alive at any one step: no plan can use a smaller arena.</summary>
        public static int LowerBound(Int8Model model)
        {
            Lifetimes life = new Lifetimes(model);
            int best = 0;
            for (int step = 0; step < model.Operators.Length; step++)
            {
                int alive = 0;
                for (int b = 0; b < life.Size.Length; b++)
                {
                    if (life.IsRoot(b) && life.First[b] <= step && life.Last[b] >= step)
                    {
                        alive += life.Size[b];
                    }
                }

                if (alive > best)
                {
                    best = alive;
                }
            }

            return best;
        }

        /// <summary>Buffers (one per tensor, or shared with the input of an in-place operator) and their live steps.</summary>
        private sealed class Lifetimes
        {
            public readonly int[] Size;
            public readonly int[] BufferOf;
            public readonly int[] First;
            public readonly int[] Last;

            public Lifetimes(Int8Model model)
            {
                Operator[] ops = model.Operators;
                int tensors = ops.Length + 1;
                Size = new int[tensors];
                BufferOf = new int[tensors];
                First = new int[tensors];
                Last = new int[tensors];
                Size[0] = model.InputElements;
                for (int t = 1; t < tensors; t++)
                {
                    Operator producer = ops[t - 1];
                    if (producer.IsInPlace)
                    {
                        BufferOf[t] = BufferOf[model.InputIdOf(t - 1, 0)];
                    }
                    else
                    {
                        BufferOf[t] = t;
                        Size[t] = producer.OutputElements;
                        First[t] = t - 1;
                        Last[t] = t - 1;
                    }
                }

                IsChain = true;
                for (int i = 0; i < ops.Length; i++)
                {
                    if (ops[i].InputCount != 1 || model.InputIdOf(i, 0) != i)
                    {
                        IsChain = false;
                    }

                    for (int k = 0; k < ops[i].InputCount; k++)
                    {
                        Extend(BufferOf[model.InputIdOf(i, k)], i);
                    }

                    Extend(BufferOf[i + 1], i);
                }

                // The model's output is read after the last step.
                Extend(BufferOf[ops.Length], ops.Length);
            }

            /// <summary>True when every operator reads the previous tensor only: each buffer lives from its step to the next.</summary>
            public bool IsChain;

            public bool IsRoot(int b)
            {
                return BufferOf[b] == b;
            }

            public bool Overlap(int a, int b)
            {
                return First[a] <= Last[b] && First[b] <= Last[a];
            }

            /// <summary>Buffers, largest first; ties by the earlier tensor, so the plan does not depend on the sort.</summary>
            public int[] BySizeDescending()
            {
                long[] key = new long[Size.Length];
                for (int b = 0; b < key.Length; b++)
                {
                    key[b] = Size[b];
                }

                return Descending(key);
            }

            /// <summary>Other orders: 0 longest-lived first (then larger), 1 largest size times lifetime, 2 first written first.</summary>
            public int[] Order(int which)
            {
                long[] key = new long[Size.Length];
                for (int b = 0; b < key.Length; b++)
                {
                    long steps = Last[b] - First[b] + 1;
                    key[b] = which == 0 ? (steps << 32) + Size[b] : which == 1 ? steps * Size[b] : -First[b];
                }

                return Descending(key);
            }

            private static int[] Descending(long[] key)
            {
                int[] order = new int[key.Length];
                for (int i = 0; i < order.Length; i++)
                {
                    int at = i;
                    while (at > 0 && key[order[at - 1]] < key[i])
                    {
                        order[at] = order[at - 1];
                        at--;
                    }

                    order[at] = i;
                }

                return order;
            }

            private void Extend(int buffer, int step)
            {
                if (step > Last[buffer])
                {
                    Last[buffer] = step;
                }
            }
        }
    }
}
