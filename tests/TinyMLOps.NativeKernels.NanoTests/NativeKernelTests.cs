using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.NativeKernels;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.NativeKernels.NanoTests
{
    /// <summary>
    /// The interop assembly on whichever nanoCLR runs it. With the native kernels compiled in (the CI build of
    /// firmware/native/nanoframework) the native interpreter must give the managed one's bytes on every conformance
    /// model; on the kit's stock nanoCLR the backend must not be found and the runtime must run the C# kernels. Each
    /// test prints what it ran on, and the xunit side (NativeKernelNanoClrTests) checks the lines for each runner.
    /// </summary>
    [TestClass]
    public class NativeKernelTests
    {
        private const string Absent = "native kernels: absent";

        [TestMethod]
        public void The_kernel_backend_is_chosen_once_at_boot_and_named_for_hello()
        {
            string name = NativeKernelBackend.Install();

            Assert.AreEqual(KernelBackends.NameOf(KernelBackends.Default), name, "installed name");
            Assert.IsTrue(name == "native" || name == "managed", "name " + name);
            Assert.AreEqual(name == "native", NativeKernelBackend.TryCreate() != null, "install agrees with TryCreate");
            Console.WriteLine("kernel backend: " + name);
            KernelBackends.Default = null;
        }

        [TestMethod]
        public void Without_the_native_kernels_the_interpreter_runs_the_csharp_kernels()
        {
            if (NativeKernelBackend.TryCreate() != null)
            {
                Console.WriteLine("native kernels: present, fallback not exercised");
                return;
            }

            Console.WriteLine(Absent);
            KernelBackends.Default = NativeKernelBackend.TryCreate();
            Interpreter interpreter = new Interpreter(PortableModels.Cnn(7));
            Assert.IsNull(interpreter.Backend, "backend");
            interpreter.SetInputFromBytes(PortableModels.RandomInput(new Rng(3), interpreter.InputLength), 0);
            interpreter.Invoke();
            Assert.AreEqual("managed", KernelBackends.NameOf(interpreter.Backend), "name");
        }

        [TestMethod]
        public void Native_and_managed_interpreters_give_the_same_bytes_on_every_conformance_model()
        {
            IKernelBackend native = NativeKernelBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            int compared = 0;
            for (int m = 0; m < 7; m++)
            {
                for (int seed = 1; seed <= 3; seed++)
                {
                    Interpreter managed = new Interpreter(Model(m, seed), null);
                    Interpreter fast = new Interpreter(Model(m, seed), native);
                    Rng rng = new Rng((m * 100) + seed);
                    for (int sample = 0; sample < 3; sample++)
                    {
                        byte[] input = PortableModels.RandomInput(rng, managed.InputLength);
                        managed.SetInputFromBytes(input, 0);
                        fast.SetInputFromBytes(input, 0);
                        managed.Invoke();
                        fast.Invoke();
                        SameArena(managed, fast, "model " + m + " seed " + seed + " sample " + sample);
                        compared++;
                    }
                }
            }

            Console.WriteLine("native kernels: " + compared + " runs of 7 conformance models byte-identical");
        }

        [TestMethod]
        public void A_descriptor_that_does_not_fit_its_arrays_throws_and_writes_nothing()
        {
            IKernelBackend native = NativeKernelBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            // A dense layer of 8 inputs and 4 units on a 16-byte arena; each case moves one slot out of range.
            int[] slots = { KernelCall.Output, KernelCall.Input, KernelCall.Aux, KernelCall.InC, KernelCall.Output };
            int[] values = { 13, -1, 1, 9, int.MaxValue };
            for (int k = 0; k < slots.Length; k++)
            {
                int[] call = new int[KernelCall.Length];
                call[KernelCall.InH] = 1;
                call[KernelCall.InW] = 1;
                call[KernelCall.InC] = 8;
                call[KernelCall.OutH] = 1;
                call[KernelCall.OutW] = 1;
                call[KernelCall.OutC] = 4;
                call[KernelCall.ActMin] = -128;
                call[KernelCall.ActMax] = 127;
                call[KernelCall.Output] = 8;
                call[slots[k]] = values[k];
                sbyte[] arena = new sbyte[16];
                for (int i = 0; i < arena.Length; i++)
                {
                    arena[i] = 55;
                }

                bool threw = false;
                try
                {
                    native.FullyConnected(call, arena, new byte[32], new int[4], new int[4], new int[4]);
                }
                catch (Exception)
                {
                    threw = true;
                }

                Assert.IsTrue(threw, "slot " + slots[k] + " = " + values[k] + " did not throw");
                for (int i = 0; i < arena.Length; i++)
                {
                    Assert.AreEqual((sbyte)55, arena[i], "arena written at " + i + " (slot " + slots[k] + ")");
                }
            }

            // A pooling window whose padding reaches its kernel (no input tap in the first window: a division by zero in C).
            int[] pool = new int[KernelCall.Length];
            pool[KernelCall.InH] = 2;
            pool[KernelCall.InW] = 2;
            pool[KernelCall.InC] = 1;
            pool[KernelCall.OutH] = 3;
            pool[KernelCall.OutW] = 2;
            pool[KernelCall.OutC] = 1;
            pool[KernelCall.Output] = 4;
            pool[KernelCall.KernelH] = 1;
            pool[KernelCall.KernelW] = 1;
            pool[KernelCall.StrideH] = 1;
            pool[KernelCall.StrideW] = 1;
            pool[KernelCall.PadTop] = 1;
            bool poolThrew = false;
            try
            {
                native.AveragePool2D(pool, new sbyte[16]);
            }
            catch (Exception)
            {
                poolThrew = true;
            }

            Assert.IsTrue(poolThrew, "a window padded by its kernel's size did not throw");

            // The same call in range runs: the failures above were the descriptor's.
            int[] good = new int[KernelCall.Length];
            good[KernelCall.InH] = 1;
            good[KernelCall.InW] = 1;
            good[KernelCall.InC] = 8;
            good[KernelCall.OutH] = 1;
            good[KernelCall.OutW] = 1;
            good[KernelCall.OutC] = 4;
            good[KernelCall.ActMax] = 127;
            good[KernelCall.ActMin] = -128;
            good[KernelCall.Output] = 8;
            Assert.IsTrue(native.FullyConnected(good, new sbyte[16], new byte[32], new int[4], new int[4], new int[4]), "in range");
        }

        [TestMethod]
        public void Native_kernels_time_per_multiply_accumulate()
        {
            IKernelBackend native = NativeKernelBackend.TryCreate();
            if (native == null)
            {
                Console.WriteLine(Absent);
                return;
            }

            Time("fully connected 256x64", Dense(256, 64), native, 10, 2000);
            Time("conv 3x3 16x16x8->16", ConvModel(), native, 2, 100);
        }

        /// <summary>Fastest of three rounds each way (the host is shared); a round is about 20-60 ms.</summary>
        private static void Time(string what, Int8Model model, IKernelBackend native, int interpretedRuns, int nativeRuns)
        {
            Interpreter managed = new Interpreter(model, null);
            byte[] input = PortableModels.RandomInput(new Rng(5), managed.InputLength);
            managed.SetInputFromBytes(input, 0);
            Interpreter fast = new Interpreter(model, native);
            fast.SetInputFromBytes(input, 0);
            double interpreted = 1e30;
            double compiled = 1e30;
            for (int round = 0; round < 3; round++)
            {
                interpreted = Math.Min(interpreted, NanosPerMac(managed, interpretedRuns));
                compiled = Math.Min(compiled, NanosPerMac(fast, nativeRuns));
            }

            SameArena(managed, fast, what);
            Console.WriteLine("bench " + what + ": MACs " + Macs(model) + ", ns per MAC native " + Fixed(compiled) + ", interpreted " + Fixed(interpreted) + ", speed-up " + (long)((interpreted / compiled) + 0.5) + "x");
        }

        /// <summary>Two decimals, formatted alike on nanoCLR and .NET.</summary>
        private static string Fixed(double value)
        {
            long hundredths = (long)((value * 100) + 0.5);
            long cents = hundredths % 100;
            return (hundredths / 100) + (cents < 10 ? ".0" : ".") + cents;
        }

        private static double NanosPerMac(Interpreter interpreter, int runs)
        {
            interpreter.Invoke();
            long start = DateTime.UtcNow.Ticks;
            for (int r = 0; r < runs; r++)
            {
                interpreter.Invoke();
            }

            long ticks = DateTime.UtcNow.Ticks - start;
            return ticks * 100.0 / ((double)runs * Macs(interpreter.Model));
        }

        private static long Macs(Int8Model model)
        {
            long macs = 0;
            for (int i = 0; i < model.Operators.Length; i++)
            {
                macs += model.Operators[i].Macs;
            }

            return macs;
        }

        private static void SameArena(Interpreter expected, Interpreter actual, string what)
        {
            sbyte[] a = expected.Arena;
            sbyte[] b = actual.Arena;
            Assert.AreEqual(a.Length, b.Length, what + ": arena size");
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    Assert.AreEqual((int)a[i], (int)b[i], what + ": arena byte " + i + " (output at " + expected.OutputOffset + ")");
                }
            }
        }

        private static Int8Model Model(int index, int seed)
        {
            switch (index)
            {
                case 0: return PortableModels.Mlp(seed);
                case 1: return PortableModels.Cnn(seed);
                case 2: return PortableModels.WideConv(seed);
                case 3: return PortableModels.Separable(seed);
                case 4: return PortableModels.Graph(seed);
                case 5: return PortableModels.Broadcasts(seed);
                default: return PortableModels.Concats(seed);
            }
        }

        /// <summary>One dense layer of inputs x units on a flat input.</summary>
        private static Int8Model Dense(int inputs, int units)
        {
            Rng rng = new Rng(11);
            Int8Model model = PortableModels.Input(rng, 1, 1, inputs);
            FullyConnected fc = new FullyConnected();
            fc.OutH = 1;
            fc.OutW = 1;
            fc.OutC = units;
            fc.OutScale = 0.05f;
            fc.OutZeroPoint = 3;
            fc.FusedActivation = Activation.Relu;
            fc.WeightScales = new float[units];
            fc.Bias = new int[units];
            fc.Weights = PortableModels.RandomInput(rng, inputs * units);
            for (int o = 0; o < units; o++)
            {
                fc.WeightScales[o] = 0.002f + (rng.NextFloat() * 0.004f);
                fc.Bias[o] = rng.Next(-2000, 2000);
            }

            model.Operators = new Operator[] { fc };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>One 3x3 convolution, same padding.</summary>
        private static Int8Model ConvModel()
        {
            Rng rng = new Rng(13);
            Int8Model model = PortableModels.Input(rng, 16, 16, 8);
            model.Operators = new Operator[] { PortableModels.Conv(rng, 16, 16, 8, 16, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }
    }
}
