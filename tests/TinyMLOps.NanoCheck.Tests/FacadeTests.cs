using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit.Abstractions;

namespace TinyMLOps.NanoCheck.Tests;

public class FacadeTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_facade_member_appears_in_the_nanoframework_listings()
    {
        if (!Directory.Exists(RepoLayout.ListingsDir))
        {
            output.WriteLine("NOTE: no nanoFramework API listings at " + RepoLayout.ListingsDir + "; the facade was not checked against them.");
            return;
        }

        var problems = new List<string>();
        int lines = 0;
        foreach (var group in FacadeTypesByAssembly())
        {
            string listingPath = Path.Combine(RepoLayout.ListingsDir, group.Key + ".txt");
            if (!File.Exists(listingPath))
            {
                problems.Add("facade folder " + group.Key + "/ names no nanoFramework assembly (no " + group.Key + ".txt)");
                continue;
            }

            var listing = LoadListing(listingPath);
            foreach (var type in group)
            {
                foreach (string line in ListingFormat.Render(type))
                {
                    lines++;
                    if (!listing.Contains(line))
                    {
                        problems.Add(group.Key + ": " + line);
                    }
                }
            }
        }

        output.WriteLine(lines + " facade declarations checked against " + RepoLayout.ListingsDir);
        Assert.True(problems.Count == 0, "Not in the nanoFramework listings:\n" + string.Join("\n", problems));
        Assert.True(lines > 50, "suspiciously few facade declarations: " + lines);
    }

    [Fact]
    public void Every_facade_member_exists_with_the_same_signature_in_the_real_reference_assemblies()
    {
        // The toolchain beside the repository holds nanoFramework's real 1.x reference assemblies.
        string refDir = Path.GetFullPath(Path.Combine(RepoLayout.Root, "..", "shared", "nanoframework", "ref"));
        if (!Directory.Exists(refDir))
        {
            output.WriteLine("NOTE: no nanoFramework reference assemblies at " + refDir + "; the facade was not checked against them.");
            return;
        }

        var real = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "real", references: Directory.GetFiles(refDir, "*.dll").Select(f => MetadataReference.CreateFromFile(f)));
        var assemblies = real.References.Select(r => real.GetAssemblyOrModuleSymbol(r)).OfType<IAssemblySymbol>().ToDictionary(a => a.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        int members = 0;
        foreach (var group in FacadeTypesByAssembly())
        {
            // A facade folder is named after the assembly its types come from (System.Environment is in two).
            if (!assemblies.TryGetValue(group.Key, out var assembly))
            {
                problems.Add("facade folder " + group.Key + "/ names no reference assembly");
                continue;
            }

            foreach (var type in group)
            {
                members += CompareType(type, assembly, group.Key, problems);
            }
        }

        output.WriteLine(members + " facade members checked against " + refDir);
        Assert.True(problems.Count == 0, "Not in the real reference assemblies with this signature:\n" + string.Join("\n", problems));
        Assert.True(members > 50, "suspiciously few facade members: " + members);
    }

    private static int CompareType(INamedTypeSymbol type, IAssemblySymbol assembly, string assemblyName, List<string> problems)
    {
        string name = type.ToDisplayString(SignatureFormat);
        var match = assembly.GetTypeByMetadataName(MetadataName(type));
        if (match == null)
        {
            problems.Add("type " + name + " is not in " + assemblyName);
            return 0;
        }

        var realSignatures = match.GetMembers().Where(IsVisibleOutsideMember).Select(Signature).ToHashSet(StringComparer.Ordinal);
        int members = 0;
        foreach (var member in type.GetMembers().Where(m => IsVisibleOutsideMember(m) && !m.IsImplicitlyDeclared))
        {
            members++;
            if (!realSignatures.Contains(Signature(member)))
            {
                problems.Add(name + ": " + Signature(member));
            }
        }

        return members;
    }

    private static readonly SymbolDisplayFormat SignatureFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeRef,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private static string Signature(ISymbol member) =>
        member.Kind + " " + (member.IsStatic ? "static " : "") + member.ToDisplayString(SignatureFormat);

    private static bool IsVisibleOutsideMember(ISymbol member) =>
        member.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingType != null ? MetadataName(type.ContainingType) + "+" + type.MetadataName
        : (type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString() + ".") + type.MetadataName;

    [Fact]
    public void Facade_compiles_on_its_own_as_the_core_library()
    {
        var facade = NanoCompiler.Facade;

        Assert.Empty(facade.References);
        Assert.Equal("mscorlib", facade.AssemblyName);
        Assert.Same(facade.Assembly, facade.GetSpecialType(SpecialType.System_Object).ContainingAssembly);
        var errors = NanoCompiler.Errors(facade);
        Assert.True(errors.IsEmpty, NanoCompiler.Describe(errors));
    }

    [Fact]
    public void Every_facade_file_sits_in_a_folder_named_after_its_assembly()
    {
        foreach (string file in RepoLayout.SourceFiles(RepoLayout.FacadeDir))
        {
            string relative = Path.GetRelativePath(RepoLayout.FacadeDir, file);
            Assert.True(relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal), relative + " is not inside an assembly folder");
            Assert.Contains(AssemblyFolder(file), NanoPackages.ByAssembly.Keys);
        }
    }

    [Theory]
    [InlineData("System.Collections.Generic.List`1")]
    [InlineData("System.Collections.Generic.IEnumerable`1")]
    [InlineData("System.Collections.Generic.Dictionary`2")]
    [InlineData("System.Linq.Enumerable")]
    [InlineData("System.Span`1")]
    [InlineData("System.ReadOnlySpan`1")]
    [InlineData("System.Nullable`1")]
    [InlineData("System.MathF")]
    [InlineData("System.Decimal")]
    [InlineData("System.Threading.Tasks.Task")]
    [InlineData("System.ValueTuple`2")]
    public void Facade_lacks_types_nanoframework_lacks(string metadataName)
    {
        Assert.Null(NanoCompiler.Facade.GetTypeByMetadataName(metadataName));
    }

    [Theory]
    [InlineData("Join")]
    [InlineData("Replace")]
    [InlineData("IsNullOrWhiteSpace")]
    public void Facade_string_lacks_members_nanoframework_lacks(string member)
    {
        Assert.Empty(NanoCompiler.Facade.GetSpecialType(SpecialType.System_String).GetMembers(member));
    }

    [Fact]
    public void String_Format_takes_a_params_array()
    {
        var format = NanoCompiler.Facade.GetSpecialType(SpecialType.System_String).GetMembers("Format").OfType<IMethodSymbol>().Single();

        Assert.True(format.Parameters[^1].IsParams);
    }

    /// <summary>Facade types grouped by the nanoFramework assembly folder that declares them.</summary>
    internal static IEnumerable<IGrouping<string, INamedTypeSymbol>> FacadeTypesByAssembly()
    {
        var facade = NanoCompiler.Facade;
        var types = new List<(string Folder, INamedTypeSymbol Type)>();
        foreach (var tree in facade.SyntaxTrees)
        {
            var model = facade.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().Where(n => n is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
            {
                if (model.GetDeclaredSymbol(node) is INamedTypeSymbol type && IsVisibleOutside(type))
                {
                    types.Add((AssemblyFolder(tree.FilePath), type));
                }
            }
        }

        return types.GroupBy(t => t.Folder, t => t.Type, StringComparer.Ordinal);
    }

    /// <summary>A facade file's first folder below shared/NanoFramework.Facade, for example mscorlib.</summary>
    internal static string AssemblyFolder(string facadeFile)
    {
        string relative = Path.GetRelativePath(RepoLayout.FacadeDir, facadeFile);
        return relative.Split(Path.DirectorySeparatorChar)[0];
    }

    private static bool IsVisibleOutside(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t != null; t = t.ContainingType)
        {
            if (!ListingFormat.IsVisible(t))
            {
                return false;
            }
        }

        return true;
    }

    private static HashSet<string> LoadListing(string path)
    {
        return File.ReadLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length != 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
    }
}
