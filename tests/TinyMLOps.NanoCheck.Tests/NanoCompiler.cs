using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TinyMLOps.NanoCheck.Tests;

/// <summary>
/// Roslyn, set up the way the nanoFramework project system compiles: C# 9, no standard library, the constant
/// NANOFRAMEWORK_1_0, and the facade (compiled here from its sources as mscorlib) as the only core library.
/// </summary>
internal static class NanoCompiler
{
    public static readonly CSharpParseOptions DeviceParseOptions =
        new(LanguageVersion.CSharp9, preprocessorSymbols: ["NANOFRAMEWORK_1_0"]);

    private static readonly Lazy<CSharpCompilation> FacadeCompilation = new(CompileFacade);
    private static readonly Lazy<MetadataReference> FacadeImage = new(() => Emit(Facade));

    /// <summary>The facade as a source compilation (symbols with their declaring files).</summary>
    public static CSharpCompilation Facade => FacadeCompilation.Value;

    /// <summary>The facade as an emitted assembly, the way device projects see it.</summary>
    public static MetadataReference FacadeReference => FacadeImage.Value;

    public static SyntaxTree Parse(string path)
    {
        return CSharpSyntaxTree.ParseText(File.ReadAllText(path), DeviceParseOptions, path);
    }

    public static SyntaxTree ParseText(string text, string path = "Snippet.cs")
    {
        return CSharpSyntaxTree.ParseText(text, DeviceParseOptions, path);
    }

    /// <summary>A device assembly: the given sources against the facade and any other device assemblies.</summary>
    public static CSharpCompilation Device(string assemblyName, IEnumerable<SyntaxTree> trees, params MetadataReference[] references)
    {
        return CSharpCompilation.Create(
            assemblyName,
            trees,
            new[] { FacadeReference }.Concat(references),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
    }

    /// <summary>Errors of a full emit: binding errors and those lowering finds (compiler-required members).</summary>
    public static ImmutableArray<Diagnostic> Errors(CSharpCompilation compilation)
    {
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe, options: EmitOptions());
        return result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    public static MetadataReference Emit(CSharpCompilation compilation)
    {
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe, options: EmitOptions());
        if (!result.Success)
        {
            throw new InvalidOperationException(compilation.AssemblyName + " does not compile:\n" + Describe(result.Diagnostics));
        }

        return MetadataReference.CreateFromImage(pe.ToArray());
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics)
    {
        return string.Join("\n", diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
    }

    private static Microsoft.CodeAnalysis.Emit.EmitOptions EmitOptions()
    {
        // A compilation without any core library reference needs the metadata version spelled out.
        return new Microsoft.CodeAnalysis.Emit.EmitOptions(runtimeMetadataVersion: "v4.0.30319");
    }

    private static CSharpCompilation CompileFacade()
    {
        var trees = RepoLayout.SourceFiles(RepoLayout.FacadeDir).Select(Parse);
        return CSharpCompilation.Create(
            "mscorlib",
            trees,
            references: [],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable)
                .WithSpecificDiagnosticOptions([
                    // String has == and != without Equals/GetHashCode overrides, as in nanoFramework.
                    new KeyValuePair<string, ReportDiagnostic>("CS0660", ReportDiagnostic.Suppress),
                    new KeyValuePair<string, ReportDiagnostic>("CS0661", ReportDiagnostic.Suppress),
                ]));
    }
}
