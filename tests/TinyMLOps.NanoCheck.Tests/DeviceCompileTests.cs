using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace TinyMLOps.NanoCheck.Tests;

public class DeviceCompileTests(ITestOutputHelper output)
{
    [Fact]
    public void Device_code_compiles_under_nanoframework_rules()
    {
        var shared = SharedCompilation();
        var sharedErrors = NanoCompiler.Errors(shared);
        Assert.True(sharedErrors.IsEmpty, "TinyMLOps.Shared under nanoFramework rules:\n" + NanoCompiler.Describe(sharedErrors));

        var contracts = ContractsCompilation();
        var contractsErrors = NanoCompiler.Errors(contracts);
        Assert.True(contractsErrors.IsEmpty, "TinyMLOps.Shared.Contracts under nanoFramework rules:\n" + NanoCompiler.Describe(contractsErrors));

        var core = FirmwareCoreCompilation();
        var coreErrors = NanoCompiler.Errors(core);
        Assert.True(coreErrors.IsEmpty, "TinyMLOps.Firmware.Core under nanoFramework rules:\n" + NanoCompiler.Describe(coreErrors));

        output.WriteLine(shared.SyntaxTrees.Count() + " shared, " + contracts.SyntaxTrees.Count() + " contracts and " + core.SyntaxTrees.Count() + " firmware core files compile against the facade");
        Assert.Contains(contracts.SyntaxTrees, t => t.FilePath.EndsWith("WireCodec.cs", StringComparison.Ordinal));
        Assert.Contains(shared.SyntaxTrees, t => t.FilePath.EndsWith("Interpreter.cs", StringComparison.Ordinal));
        Assert.Contains(shared.SyntaxTrees, t => t.FilePath.EndsWith("Classifier.cs", StringComparison.Ordinal));
        Assert.Contains(core.SyntaxTrees, t => t.FilePath.EndsWith("DeviceAgent.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Platform_adapters_compile_under_nanoframework_rules()
    {
        var adapters = FirmwareAdaptersCompilation();
        var errors = NanoCompiler.Errors(adapters);

        Assert.True(errors.IsEmpty, "TinyMLOps.Firmware.Adapters under nanoFramework rules:\n" + NanoCompiler.Describe(errors));
        output.WriteLine(adapters.SyntaxTrees.Count() + " adapter files compile against the facade");
        Assert.Contains(adapters.SyntaxTrees, t => t.FilePath.EndsWith("M2MqttTransport.cs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("TinyMLOps.Firmware.App")]
    [InlineData("TinyMLOps.Firmware.App.Stm32")]
    public void Each_device_application_compiles_under_nanoframework_rules_with_a_static_main(string application)
    {
        var app = ApplicationCompilation(application);
        var errors = NanoCompiler.Errors(app);

        Assert.True(errors.IsEmpty, application + " under nanoFramework rules:\n" + NanoCompiler.Describe(errors));
        var program = app.GetTypeByMetadataName(application + ".Program");
        Assert.NotNull(program);
        var main = Assert.Single(program.GetMembers("Main").OfType<IMethodSymbol>());
        Assert.True(main.IsStatic && main.Parameters.IsEmpty && main.ReturnsVoid, "Main must be static void Main()");
    }

    [Fact]
    public void The_benchmark_application_compiles_under_nanoframework_rules_over_the_shared_assembly_alone()
    {
        var app = BenchCompilation();
        var errors = NanoCompiler.Errors(app);

        Assert.True(errors.IsEmpty, "TinyMLOps.Firmware.Bench under nanoFramework rules:\n" + NanoCompiler.Describe(errors));
        var main = Assert.Single(app.GetTypeByMetadataName("TinyMLOps.Firmware.Bench.Program")!.GetMembers("Main").OfType<IMethodSymbol>());
        Assert.True(main.IsStatic && main.Parameters.IsEmpty && main.ReturnsVoid, "Main must be static void Main()");
    }

    [Fact]
    public void The_interop_assembly_implements_the_kernel_backend_over_internal_call_externs()
    {
        var interop = NativeKernelsCompilation();
        var errors = NanoCompiler.Errors(interop);
        Assert.True(errors.IsEmpty, "TinyMLOps.NativeKernels under nanoFramework rules:\n" + NanoCompiler.Describe(errors));
        var tests = NativeKernelNanoTestsCompilation();
        Assert.True(NanoCompiler.Errors(tests).IsEmpty, "TinyMLOps.NativeKernels.NanoTests under nanoFramework rules:\n" + NanoCompiler.Describe(NanoCompiler.Errors(tests)));

        var backend = interop.GetTypeByMetadataName("TinyMLOps.NativeKernels.NativeKernelBackend")!;
        var contract = interop.GetTypeByMetadataName("TinyMLOps.Shared.Kernels.IKernelBackend")!;
        var natives = interop.GetTypeByMetadataName("TinyMLOps.NativeKernels.NativeMethods")!;
        Assert.Contains(contract, backend.AllInterfaces, SymbolEqualityComparer.Default);
        var externs = natives.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        Assert.All(externs, m => Assert.True(m.IsExtern && m.IsStatic && m.GetAttributes().Any(a => a.AttributeClass?.Name == "MethodImplAttribute"), m.Name + " is not a static InternalCall extern"));

        // Every kernel of the seam has its entry point with the same arrays, after the descriptor.
        foreach (var kernel in contract.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary))
        {
            var native = Assert.Single(externs, m => m.Name == kernel.Name);
            Assert.Equal(kernel.Parameters.Select(p => p.Type.ToDisplayString()), native.Parameters.Select(p => p.Type.ToDisplayString()));
        }

        Assert.Contains(externs, m => m.Name == "Version" && m.Parameters.IsEmpty);
        var tryCreate = Assert.Single(backend.GetMembers("TryCreate").OfType<IMethodSymbol>());
        Assert.True(tryCreate.IsStatic && SymbolEqualityComparer.Default.Equals(tryCreate.ReturnType, backend));
    }

    [Fact]
    public void The_stm32_application_uses_no_assembly_that_only_esp32_firmware_has()
    {
        // nanoCLR refuses an image holding an assembly whose native part the target lacks.
        var used = NfprojTests.FacadeAssembliesUsedBy(Path.Combine(RepoLayout.FirmwareAppStm32Dir, "TinyMLOps.Firmware.App.Stm32.nfproj"));
        var adapters = NfprojTests.FacadeAssembliesUsedBy(Path.Combine(RepoLayout.FirmwareAdaptersDir, "TinyMLOps.Firmware.Adapters.nfproj"));

        foreach (string esp32Only in new[] { "System.Device.Wifi", "nanoFramework.Hardware.Esp32" })
        {
            Assert.DoesNotContain(esp32Only, used);
            Assert.DoesNotContain(esp32Only, adapters);
        }
    }

    [Fact]
    public void The_nanoclr_tests_compile_under_nanoframework_rules_against_the_test_framework()
    {
        var tests = NanoTestsCompilation();
        var errors = NanoCompiler.Errors(tests);

        Assert.True(errors.IsEmpty, "TinyMLOps.Firmware.NanoTests under nanoFramework rules:\n" + NanoCompiler.Describe(errors));
        var testClass = tests.GetTypeByMetadataName("nanoFramework.TestFramework.TestClassAttribute");
        var testMethod = tests.GetTypeByMetadataName("nanoFramework.TestFramework.TestMethodAttribute");
        var classes = tests.SyntaxTrees
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().Select(c => tests.GetSemanticModel(t).GetDeclaredSymbol(c)!))
            .Where(c => c.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, testClass)))
            .ToList();
        int methods = classes.Sum(c => c.GetMembers().OfType<IMethodSymbol>().Count(m => m.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, testMethod))));
        output.WriteLine(classes.Count + " test classes, " + methods + " test methods");
        Assert.True(classes.Count >= 3, "test classes: " + classes.Count);
        Assert.True(methods >= 40, "test methods: " + methods);
    }

    [Theory]
    [InlineData("M2MqttTransport", "ITransport")]
    [InlineData("FlashStorage", "IStorage")]
    [InlineData("DeviceClock", "IClock")]
    [InlineData("GpioPower", "IPower")]
    [InlineData("DebugLog", "ILog")]
    [InlineData("StatusLed", "IStatusIndicator")]
    [InlineData("StatusLed", "ILed")]
    [InlineData("EthernetConnection", "INetwork")]
    public void Each_platform_adapter_implements_its_firmware_core_interface(string adapter, string platformInterface)
    {
        var adapters = FirmwareAdaptersCompilation();
        var type = adapters.GetTypeByMetadataName("TinyMLOps.Firmware.Adapters." + adapter);
        var contract = adapters.GetTypeByMetadataName("TinyMLOps.Firmware.Core.Platform." + platformInterface);

        Assert.NotNull(type);
        Assert.NotNull(contract);
        Assert.Equal("TinyMLOps.Firmware.Core", contract.ContainingAssembly.Name);
        Assert.Contains(contract, type.AllInterfaces, SymbolEqualityComparer.Default);

        // Every interface member has a public implementation in the adapter itself, not an inherited stand-in.
        foreach (var member in contract.GetMembers())
        {
            var implementation = type.FindImplementationForInterfaceMember(member);
            Assert.NotNull(implementation);
            Assert.Equal(type, implementation.ContainingType, SymbolEqualityComparer.Default);
            Assert.Equal(Accessibility.Public, implementation.DeclaredAccessibility);
        }
    }

    [Fact]
    public void Device_code_sees_only_the_facade_as_its_core_library()
    {
        var shared = SharedCompilation();

        var corlib = shared.GetSpecialType(SpecialType.System_Object).ContainingAssembly;
        Assert.Equal("mscorlib", corlib.Name);
        Assert.Single(shared.References);
        Assert.Equal(LanguageVersion.CSharp9, ((CSharpParseOptions)shared.SyntaxTrees.First().Options).LanguageVersion);
        Assert.Contains("NANOFRAMEWORK_1_0", ((CSharpParseOptions)shared.SyntaxTrees.First().Options).PreprocessorSymbolNames);
    }

    [Fact]
    public void A_snippet_using_only_nanoframework_api_compiles()
    {
        // The control for the theory below: the same kind of code, inside the API, has no errors.
        const string snippet = """
            using System;
            using System.Text;

            public static class Snippet
            {
                private static readonly uint[] Table = { 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u };

                public static string Run(byte[] data, int count)
                {
                    if (data == null)
                    {
                        throw new ArgumentNullException("data");
                    }

                    int total = 0;
                    foreach (byte b in data)
                    {
                        total = Math.Max(total, b) + (int)Table[total % Table.Length];
                    }

                    byte[] copy = new byte[count];
                    Array.Copy(data, 0, copy, 0, count);
                    float f = BitConverter.ToSingle(copy, 0);
                    string text = Encoding.UTF8.GetString(copy, 0, copy.Length);
                    return text + total + " " + f + " " + total.ToString("X4") + string.Format("{0}/{1}", total, count) + $"{total}";
                }
            }
            """;

        var errors = NanoCompiler.Errors(NanoCompiler.Device("Snippet", [NanoCompiler.ParseText(snippet)]));

        Assert.True(errors.IsEmpty, NanoCompiler.Describe(errors));
    }

    [Theory]
    [InlineData("List<T>", "using System.Collections.Generic; public static class S { public static int F() { List<int> l = new List<int>(); l.Add(1); return l.Count; } }", "Generic")]
    [InlineData("LINQ", "using System.Linq; public static class S { public static int F(int[] a) { return a.Where(x => x > 0).Count(); } }", "Linq")]
    [InlineData("string.Join", "public static class S { public static string F(string[] a) { return string.Join(\",\", a); } }", "Join")]
    [InlineData("Span<T>", "public static class S { public static int F(byte[] a) { System.Span<byte> s = a; return s.Length; } }", "Span")]
    [InlineData("MathF", "public static class S { public static float F(float x) { return System.MathF.Sqrt(x); } }", "MathF")]
    [InlineData("Math.Clamp on int", "public static class S { public static int F(int x) { return System.Math.Clamp(x, 0, 10); } }", "Clamp")]
    [InlineData("Nullable<T>", "public static class S { public static int F() { int? x = null; return x ?? 1; } }", "Nullable")]
    [InlineData("Array.Sort", "public static class S { public static void F(int[] a) { System.Array.Sort(a); } }", "Sort")]
    [InlineData("Task", "public static class S { public static async System.Threading.Tasks.Task F() { await System.Threading.Tasks.Task.Delay(1); } }", "Threading")]
    [InlineData("string.Replace", "public static class S { public static string F(string s) { return s.Replace(\"a\", \"b\"); } }", "Replace")]
    public void Device_code_using_a_missing_api_fails_to_compile(string api, string snippet, string mentioned)
    {
        var errors = NanoCompiler.Errors(NanoCompiler.Device("Snippet", [NanoCompiler.ParseText(snippet)]));

        Assert.False(errors.IsEmpty, api + " compiled under nanoFramework rules, but nanoFramework 1.x does not have it");
        Assert.Contains(errors, e => e.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(mentioned, StringComparison.Ordinal));
        output.WriteLine(api + ": " + errors[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    internal static CSharpCompilation SharedCompilation()
    {
        return NanoCompiler.Device("TinyMLOps.Shared", RepoLayout.SourceFiles(RepoLayout.SharedDir).Select(NanoCompiler.Parse));
    }

    /// <summary>The contracts (protocol, provisioning, metering, federated) as their own assembly over the shared one.</summary>
    internal static CSharpCompilation ContractsCompilation() =>
        NanoCompiler.Device("TinyMLOps.Shared.Contracts", RepoLayout.SourceFiles(RepoLayout.ContractsDir).Select(NanoCompiler.Parse), SharedImage.Value);

    /// <summary>The firmware core as its own assembly, referencing the two shared ones, as the .nfproj builds it.</summary>
    internal static CSharpCompilation FirmwareCoreCompilation() =>
        NanoCompiler.Device("TinyMLOps.Firmware.Core", RepoLayout.SourceFiles(RepoLayout.FirmwareCoreDir).Select(NanoCompiler.Parse), SharedImage.Value, ContractsImage.Value);

    /// <summary>The platform adapters as their own assembly, referencing the firmware core and the shared one, as the .nfproj builds it.</summary>
    internal static CSharpCompilation FirmwareAdaptersCompilation() => AdaptersCompilation.Value;

    // Compiled once: several tests read it, and compilations are immutable.
    private static readonly Lazy<CSharpCompilation> AdaptersCompilation = new(CompileFirmwareAdapters);

    private static CSharpCompilation CompileFirmwareAdapters()
    {
        return NanoCompiler.Device("TinyMLOps.Firmware.Adapters", RepoLayout.SourceFiles(RepoLayout.FirmwareAdaptersDir).Select(NanoCompiler.Parse), SharedImage.Value, ContractsImage.Value, CoreImage.Value);
    }

    // The emitted device assemblies the later ones reference, made once.
    private static readonly Lazy<MetadataReference> SharedImage = new(() => NanoCompiler.Emit(SharedCompilation()));
    private static readonly Lazy<MetadataReference> ContractsImage = new(() => NanoCompiler.Emit(ContractsCompilation()));
    private static readonly Lazy<MetadataReference> CoreImage = new(() => NanoCompiler.Emit(FirmwareCoreCompilation()));
    private static readonly Lazy<MetadataReference> AdaptersImage = new(() => NanoCompiler.Emit(FirmwareAdaptersCompilation()));

    /// <summary>A device application (TinyMLOps.Firmware.App or .App.Stm32) as its own assembly over the adapters, the core, the interop assembly and the shared ones.</summary>
    internal static CSharpCompilation ApplicationCompilation(string name)
    {
        string dir = name == "TinyMLOps.Firmware.App" ? RepoLayout.FirmwareAppDir : RepoLayout.FirmwareAppStm32Dir;
        return NanoCompiler.Device(name, RepoLayout.SourceFiles(dir).Select(NanoCompiler.Parse), SharedImage.Value, ContractsImage.Value, CoreImage.Value, AdaptersImage.Value, NativeKernelsImage.Value);
    }

    /// <summary>The benchmark application over the shared assembly alone, as its .nfproj builds it.</summary>
    internal static CSharpCompilation BenchCompilation() =>
        NanoCompiler.Device("TinyMLOps.Firmware.Bench", RepoLayout.SourceFiles(RepoLayout.FirmwareBenchDir).Select(NanoCompiler.Parse), SharedImage.Value);

    /// <summary>The interop assembly over the shared one, as its .nfproj builds it.</summary>
    internal static CSharpCompilation NativeKernelsCompilation() =>
        NanoCompiler.Device("TinyMLOps.NativeKernels", RepoLayout.SourceFiles(RepoLayout.NativeKernelsDir).Select(NanoCompiler.Parse), SharedImage.Value);

    private static readonly Lazy<MetadataReference> NativeKernelsImage = new(() => NanoCompiler.Emit(NativeKernelsCompilation()));

    /// <summary>The interop assembly's nanoCLR tests with the two conformance files they link, over the interop and shared assemblies.</summary>
    internal static CSharpCompilation NativeKernelNanoTestsCompilation()
    {
        var sources = RepoLayout.SourceFiles(RepoLayout.NativeKernelsNanoTestsDir)
            .Concat(new[] { "PortableModels.cs", "Rng.cs" }.Select(f => Path.Combine(RepoLayout.ConformanceDir, "Support", f)));
        return NanoCompiler.Device("TinyMLOps.NativeKernels.NanoTests", sources.Select(NanoCompiler.Parse), SharedImage.Value, NativeKernelsImage.Value);
    }

    /// <summary>The nanoCLR tests as their own assembly over the core and the shared one, as their .nfproj builds them.</summary>
    internal static CSharpCompilation NanoTestsCompilation()
    {
        var sources = RepoLayout.SourceFiles(RepoLayout.NanoTestsDir).Concat(RepoLayout.SourceFiles(RepoLayout.ConformanceDir));
        return NanoCompiler.Device("TinyMLOps.Firmware.NanoTests", sources.Select(NanoCompiler.Parse), SharedImage.Value, ContractsImage.Value, CoreImage.Value);
    }
}
