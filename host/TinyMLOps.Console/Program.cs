// The kernel backend is chosen once, before any model loads: the SIMD kernels when the CPU has AVX2.
TinyMLOps.Modelling.Kernels.HostKernels.Install();
return TinyMLOps.Console.Cli.Run(args, Spectre.Console.AnsiConsole.Console);
