using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace TinyMLOps.NanoCheck.Tests;

public partial class NfprojTests
{
    private const string NanoProjectType = "{11A8DD76-328B-46DF-9F39-F559912D0360}";
    private static readonly XNamespace Msbuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    public static TheoryData<string> Nfprojs()
    {
        var data = new TheoryData<string>();
        foreach (string nfproj in RepoLayout.NfprojFiles())
        {
            data.Add(RepoLayout.Relative(nfproj));
        }

        return data;
    }

    [Fact]
    public void The_device_projects_exist_as_nfproj()
    {
        var nfprojs = RepoLayout.NfprojFiles().Select(RepoLayout.Relative).ToList();

        Assert.Contains("shared/TinyMLOps.Shared/TinyMLOps.Shared.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.Firmware.Core/TinyMLOps.Firmware.Core.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.Firmware.Adapters/TinyMLOps.Firmware.Adapters.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.Firmware.App/TinyMLOps.Firmware.App.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.Firmware.App.Stm32/TinyMLOps.Firmware.App.Stm32.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.Firmware.Bench/TinyMLOps.Firmware.Bench.nfproj", nfprojs);
        Assert.Contains("tests/TinyMLOps.Firmware.NanoTests/TinyMLOps.Firmware.NanoTests.nfproj", nfprojs);
        Assert.Contains("firmware/TinyMLOps.NativeKernels/TinyMLOps.NativeKernels.nfproj", nfprojs);
        Assert.Contains("tests/TinyMLOps.NativeKernels.NanoTests/TinyMLOps.NativeKernels.NanoTests.nfproj", nfprojs);
    }

    /// <summary>The device applications: executables whose image is every referenced assembly followed by theirs.</summary>
    private static readonly string[] Applications = ["TinyMLOps.Firmware.App", "TinyMLOps.Firmware.App.Stm32", "TinyMLOps.Firmware.Bench"];

    [Fact]
    public void The_benchmark_application_references_only_the_shared_project_and_lists_its_packages()
    {
        string path = Path.Combine(RepoLayout.FirmwareBenchDir, "TinyMLOps.Firmware.Bench.nfproj");
        var own = PackagesConfig(path).ToHashSet();

        Assert.Equal([@"..\..\shared\TinyMLOps.Shared\TinyMLOps.Shared.nfproj"], Items(path, "ProjectReference"));
        foreach (var package in PackagesConfig(Path.Combine(RepoLayout.SharedDir, "TinyMLOps.Shared.nfproj")))
        {
            Assert.True(own.Contains(package), "the benchmark application lacks " + package.Id + " " + package.Version + ", which TinyMLOps.Shared needs");
        }
    }

    [Theory]
    [InlineData("firmware/TinyMLOps.Firmware.App/TinyMLOps.Firmware.App.nfproj")]
    [InlineData("firmware/TinyMLOps.Firmware.App.Stm32/TinyMLOps.Firmware.App.Stm32.nfproj")]
    public void An_application_lists_every_package_of_the_projects_it_references(string nfproj)
    {
        // packages.config has no transitive packages: an application must name every assembly its image carries.
        string path = Path.Combine(RepoLayout.Root, nfproj);
        var own = PackagesConfig(path).ToHashSet();
        var referenced = new List<string>();
        var pending = new Queue<string>([path]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            string project = pending.Dequeue();
            foreach (string include in Items(project, "ProjectReference"))
            {
                string target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include.Replace('\\', '/')));
                Assert.True(File.Exists(target), nfproj + " references a missing project " + include);
                if (seen.Add(target))
                {
                    referenced.Add(RepoLayout.Relative(target));
                    pending.Enqueue(target);
                }
            }
        }

        Assert.Equal(
            ["firmware/TinyMLOps.Firmware.Adapters/TinyMLOps.Firmware.Adapters.nfproj", "firmware/TinyMLOps.Firmware.Core/TinyMLOps.Firmware.Core.nfproj", "firmware/TinyMLOps.NativeKernels/TinyMLOps.NativeKernels.nfproj", "shared/TinyMLOps.Shared.Contracts/TinyMLOps.Shared.Contracts.nfproj", "shared/TinyMLOps.Shared/TinyMLOps.Shared.nfproj"],
            referenced.Order(StringComparer.Ordinal));
        foreach (string project in referenced)
        {
            foreach (var package in PackagesConfig(Path.Combine(RepoLayout.Root, project)))
            {
                Assert.True(own.Contains(package), nfproj + " lacks " + package.Id + " " + package.Version + ", which " + project + " needs");
            }
        }
    }

    [Fact]
    public void The_nanoclr_test_project_has_the_test_framework_layout()
    {
        string path = Path.Combine(RepoLayout.NanoTestsDir, "TinyMLOps.Firmware.NanoTests.nfproj");
        var project = XDocument.Load(path).Root!;

        Assert.Equal("TestContainer", (string?)project.Elements(Msbuild + "ItemGroup").Elements(Msbuild + "ProjectCapability").Single().Attribute("Include"));
        Assert.Equal("true", Property(project, "IsTestProject"));
        Assert.Equal("UnitTest", Property(project, "TestProjectType"));
        Assert.Equal(@"$(MSBuildProjectDirectory)\nano.runsettings", Property(project, "RunSettingsFilePath"));
        Assert.Contains("nano.runsettings", Items(path, "None"));
        var runSettings = XDocument.Load(Path.Combine(RepoLayout.NanoTestsDir, "nano.runsettings")).Root!;
        Assert.Equal("RunSettings", runSettings.Name.LocalName);
        Assert.NotNull(runSettings.Element("nanoFrameworkAdapter")?.Element("IsRealHardware"));
        var testFramework = Assert.Single(PackagesConfig(path), p => p.Id == "nanoFramework.TestFramework");
        var hintPaths = References(path).Select(r => r.HintPath).ToList();
        Assert.Contains(@"..\..\packages\nanoFramework.TestFramework." + testFramework.Version + @"\lib\nanoFramework.UnitTestLauncher.exe", hintPaths);
    }

    [Theory]
    [MemberData(nameof(Nfprojs))]
    public void Nfproj_lists_every_device_source_file(string nfproj)
    {
        string path = Path.Combine(RepoLayout.Root, nfproj);
        string dir = Path.GetDirectoryName(path)!;
        var items = Items(path, "Compile").Select(i => i.Replace('\\', '/')).ToList();

        // Files linked from elsewhere (the conformance suite's models) must exist; the rest mirror the folder.
        foreach (string linked in items.Where(i => i.StartsWith("../", StringComparison.Ordinal)))
        {
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(dir, linked))), nfproj + " links a missing file " + linked);
        }

        var listed = items.Where(i => !i.StartsWith("../", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var onDisk = RepoLayout.SourceFiles(dir).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);

        Assert.True(onDisk.Count > 0, "no sources next to " + nfproj);
        Assert.True(onDisk.SetEquals(listed),
            nfproj + " is out of step with its folder.\nMissing from the nfproj: " + string.Join(", ", onDisk.Except(listed))
            + "\nListed but not on disk: " + string.Join(", ", listed.Except(onDisk)));
    }

    [Theory]
    [MemberData(nameof(Nfprojs))]
    public void Nfproj_has_the_nanoframework_project_layout(string nfproj)
    {
        var doc = XDocument.Load(Path.Combine(RepoLayout.Root, nfproj));
        var project = doc.Root!;

        Assert.Equal(Msbuild + "Project", project.Name);
        Assert.Equal("Current", (string?)project.Attribute("ToolsVersion"));
        var globals = project.Elements(Msbuild + "PropertyGroup").Single(g => (string?)g.Attribute("Label") == "Globals");
        Assert.Equal(@"$(MSBuildExtensionsPath)\nanoFramework\v1.0\", (string?)globals.Element(Msbuild + "NanoFrameworkProjectSystemPath"));
        var imports = project.Elements(Msbuild + "Import").Select(i => ((string)i.Attribute("Project")!, (string?)i.Attribute("Condition"))).ToList();
        foreach (string file in new[] { "NFProjectSystem.Default.props", "NFProjectSystem.props", "NFProjectSystem.CSharp.targets" })
        {
            Assert.Contains(imports, i => i.Item1 == "$(NanoFrameworkProjectSystemPath)" + file && i.Item2 == "Exists('$(NanoFrameworkProjectSystemPath)" + file + "')");
        }

        Assert.Equal(NanoProjectType + ";{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}", Property(project, "ProjectTypeGuids"));
        Assert.Matches(GuidPattern(), Property(project, "ProjectGuid"));
        Assert.Equal(Applications.Contains(Path.GetFileNameWithoutExtension(nfproj)) ? "Exe" : "Library", Property(project, "OutputType"));
        Assert.Equal("v1.0", Property(project, "TargetFrameworkVersion"));
        // nanoFramework's test launcher loads the tests with Assembly.Load("NFUnitTest"); every other project is named after its file.
        bool isTestProject = project.Elements(Msbuild + "PropertyGroup").Elements(Msbuild + "IsTestProject").Any(e => e.Value == "true");
        Assert.Equal(isTestProject ? "NFUnitTest" : Path.GetFileNameWithoutExtension(nfproj), Property(project, "AssemblyName"));
        Assert.NotNull(project.Descendants(Msbuild + "ProjectConfigurationsDeclaredAsItems").SingleOrDefault());
        Assert.Contains("packages.config", Items(Path.Combine(RepoLayout.Root, nfproj), "None"));
    }

    [Theory]
    [MemberData(nameof(Nfprojs))]
    public void Packages_config_references_real_nanoframework_packages(string nfproj)
    {
        string path = Path.Combine(RepoLayout.Root, nfproj);
        var packages = PackagesConfig(path);
        Assert.NotEmpty(packages);
        foreach (var package in packages)
        {
            Assert.True(NanoPackages.KnownIds.Contains(package.Id), package.Id + " is not a nanoFramework package this repository knows");
            Assert.Equal(NanoPackages.TargetFramework, package.TargetFramework);
            Assert.Matches(@"^\d+\.\d+\.\d+$", package.Version);
        }

        Assert.Contains(packages, p => p.Id == "nanoFramework.CoreLibrary");

        // Each package is referenced from its restore folder, at the version packages.config pins, and nothing else is.
        var hintPaths = References(path).Select(r => r.HintPath).ToList();
        foreach (var package in packages)
        {
            foreach (string dll in NanoPackages.ByAssembly.Values.Where(v => v.PackageId == package.Id).Select(v => v.Dll).Take(1))
            {
                Assert.Contains(@"..\..\packages\" + package.Id + "." + package.Version + @"\lib\" + dll, hintPaths);
            }
        }

        foreach (string hintPath in hintPaths)
        {
            Assert.Contains(packages, p => hintPath.StartsWith(@"..\..\packages\" + p.Id + "." + p.Version + @"\lib\", StringComparison.Ordinal));
        }

        // Every nanoFramework assembly the project's code uses (by facade folder) comes with its package.
        foreach (string assembly in FacadeAssembliesUsedBy(path))
        {
            string id = NanoPackages.ByAssembly[assembly].PackageId;
            Assert.True(packages.Any(p => p.Id == id), nfproj + " uses " + assembly + " but its packages.config lacks " + id);
        }
    }

    [Fact]
    public void Packages_are_pinned_to_one_version_across_the_device_projects()
    {
        var versions = RepoLayout.NfprojFiles().SelectMany(PackagesConfig).GroupBy(p => p.Id);

        foreach (var group in versions)
        {
            Assert.Single(group.Select(p => p.Version).Distinct());
        }
    }

    [Fact]
    public void Firmware_solution_holds_the_nfprojs_and_the_solution_filter_does_not()
    {
        string sln = File.ReadAllText(Path.Combine(RepoLayout.Root, RepoLayout.SolutionFile));
        string slnf = File.ReadAllText(Path.Combine(RepoLayout.Root, "TinyMLOps.slnf"));

        foreach (string nfproj in RepoLayout.NfprojFiles())
        {
            string relative = RepoLayout.Relative(nfproj);
            string guid = Property(XDocument.Load(nfproj).Root!, "ProjectGuid");
            Assert.Contains("Project(\"" + NanoProjectType + "\") = \"" + Path.GetFileNameWithoutExtension(nfproj) + "\", \"" + relative.Replace('/', '\\') + "\", \"" + guid + "\"", sln);
            foreach (string config in new[] { "Debug", "Release" })
            {
                foreach (string kind in new[] { "ActiveCfg", "Build.0", "Deploy.0" })
                {
                    Assert.Contains(guid + "." + config + "|Any CPU." + kind + " = " + config + "|Any CPU", sln);
                }
            }

            Assert.DoesNotContain(relative, slnf);
        }

        Assert.Contains("shared/NanoFramework.Facade/NanoFramework.Facade.csproj", slnf);
        Assert.Contains("shared/TinyMLOps.Shared.NanoCheck/TinyMLOps.Shared.NanoCheck.csproj", slnf);
        Assert.Contains("tests/TinyMLOps.NanoCheck.Tests/TinyMLOps.NanoCheck.Tests.csproj", slnf);
    }

    [Fact]
    public void Compile_check_project_builds_device_sources_against_the_facade_alone()
    {
        var project = XDocument.Load(Path.Combine(RepoLayout.Root, "shared", "TinyMLOps.Shared.NanoCheck", "TinyMLOps.Shared.NanoCheck.csproj")).Root!;

        Assert.Equal("true", SdkProperty(project, "NoStdLib"));
        Assert.Equal("true", SdkProperty(project, "DisableImplicitFrameworkReferences"));
        Assert.Equal("9.0", SdkProperty(project, "LangVersion"));
        Assert.Contains("NANOFRAMEWORK_1_0", SdkProperty(project, "DefineConstants"), StringComparison.Ordinal);
        var references = project.Descendants("ProjectReference").Select(r => (string)r.Attribute("Include")!).ToList();
        Assert.Equal(["../NanoFramework.Facade/NanoFramework.Facade.csproj"], references);
        Assert.Empty(project.Descendants("PackageReference"));
        Assert.Empty(project.Descendants("Reference"));
        var compiled = project.Descendants("Compile").Select(c => (string)c.Attribute("Include")!).ToList();
        Assert.Contains("../TinyMLOps.Shared/**/*.cs", compiled);
        Assert.Contains("../../firmware/TinyMLOps.Firmware.Core/**/*.cs", compiled);
        Assert.Contains("../../firmware/TinyMLOps.Firmware.Adapters/**/*.cs", compiled);
        Assert.Contains("../../firmware/TinyMLOps.Firmware.App/**/*.cs", compiled);
        Assert.Contains("../../firmware/TinyMLOps.Firmware.App.Stm32/**/*.cs", compiled);
        Assert.Contains("../../tests/TinyMLOps.Firmware.NanoTests/**/*.cs", compiled);
        Assert.Contains("../../tests/TinyMLOps.Conformance/**/*.cs", compiled);
    }

    [Fact]
    public void The_conformance_projitems_lists_every_source_file_and_both_test_projects_import_it()
    {
        string projitems = Path.Combine(RepoLayout.ConformanceDir, "TinyMLOps.Conformance.projitems");
        var listed = Items(projitems, "Compile").Select(i => i.Replace("$(MSBuildThisFileDirectory)", "").Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        var onDisk = RepoLayout.SourceFiles(RepoLayout.ConformanceDir).Select(f => Path.GetRelativePath(RepoLayout.ConformanceDir, f).Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        Assert.True(onDisk.SetEquals(listed), "TinyMLOps.Conformance.projitems is out of step with its folder.\nMissing: " + string.Join(", ", onDisk.Except(listed)) + "\nListed but not on disk: " + string.Join(", ", listed.Except(onDisk)));

        string nanoTests = File.ReadAllText(Path.Combine(RepoLayout.NanoTestsDir, "TinyMLOps.Firmware.NanoTests.nfproj"));
        string xunitTests = File.ReadAllText(Path.Combine(RepoLayout.Root, "tests", "TinyMLOps.Conformance.Tests", "TinyMLOps.Conformance.Tests.csproj"));
        Assert.Contains(@"<Import Project=""..\TinyMLOps.Conformance\TinyMLOps.Conformance.projitems"" Label=""Shared"" />", nanoTests);
        Assert.Contains(@"<Import Project=""../TinyMLOps.Conformance/TinyMLOps.Conformance.projitems"" Label=""Shared"" />", xunitTests);
    }

    private static string SdkProperty(XElement project, string name)
    {
        return project.Elements("PropertyGroup").Elements(name).Select(e => e.Value).Single();
    }

    private static string Property(XElement project, string name)
    {
        return project.Elements(Msbuild + "PropertyGroup").Elements(Msbuild + name).Select(e => e.Value).Single();
    }

    private static List<string> Items(string nfproj, string itemType)
    {
        return XDocument.Load(nfproj).Root!.Elements(Msbuild + "ItemGroup").Elements(Msbuild + itemType)
            .Select(e => (string)e.Attribute("Include")!).ToList();
    }

    private static List<(string Include, string HintPath)> References(string nfproj)
    {
        return XDocument.Load(nfproj).Root!.Elements(Msbuild + "ItemGroup").Elements(Msbuild + "Reference")
            .Select(e => ((string)e.Attribute("Include")!, (string?)e.Element(Msbuild + "HintPath") ?? string.Empty)).ToList();
    }

    private static List<(string Id, string Version, string TargetFramework)> PackagesConfig(string nfproj)
    {
        string config = Path.Combine(Path.GetDirectoryName(nfproj)!, "packages.config");
        Assert.True(File.Exists(config), "no packages.config next to " + nfproj);
        return XDocument.Load(config).Root!.Elements("package")
            .Select(p => ((string)p.Attribute("id")!, (string)p.Attribute("version")!, (string?)p.Attribute("targetFramework") ?? string.Empty))
            .ToList();
    }

    /// <summary>
    /// The facade folders (nanoFramework assemblies) whose types an nfproj's sources use: its sources are compiled
    /// against the facade (and the device assemblies it references) and every bound symbol is traced to its folder.
    /// </summary>
    internal static HashSet<string> FacadeAssembliesUsedBy(string nfproj)
    {
        string dir = Path.GetDirectoryName(nfproj)!;
        var compilation = Path.GetFileNameWithoutExtension(nfproj) switch
        {
            "TinyMLOps.Shared" => DeviceCompileTests.SharedCompilation(),
            "TinyMLOps.Shared.Contracts" => DeviceCompileTests.ContractsCompilation(),
            "TinyMLOps.Firmware.Core" => DeviceCompileTests.FirmwareCoreCompilation(),
            "TinyMLOps.Firmware.Adapters" => DeviceCompileTests.FirmwareAdaptersCompilation(),
            "TinyMLOps.Firmware.App" or "TinyMLOps.Firmware.App.Stm32" => DeviceCompileTests.ApplicationCompilation(Path.GetFileNameWithoutExtension(nfproj)),
            "TinyMLOps.Firmware.NanoTests" => DeviceCompileTests.NanoTestsCompilation(),
            "TinyMLOps.Firmware.Bench" => DeviceCompileTests.BenchCompilation(),
            "TinyMLOps.NativeKernels" => DeviceCompileTests.NativeKernelsCompilation(),
            "TinyMLOps.NativeKernels.NanoTests" => DeviceCompileTests.NativeKernelNanoTestsCompilation(),
            string other => throw new InvalidOperationException("teach this test how to compile " + other),
        };
        Assert.True(NanoCompiler.Errors(compilation).IsEmpty, nfproj + " does not compile against the facade");
        // The nanoCLR test project also compiles the shared conformance suite (its .projitems).
        Assert.All(compilation.SyntaxTrees, t => Assert.True(
            t.FilePath.StartsWith(dir, StringComparison.Ordinal) || t.FilePath.StartsWith(RepoLayout.ConformanceDir, StringComparison.Ordinal), t.FilePath));

        var folderOf = FacadeTests.FacadeTypesByAssembly()
            .SelectMany(g => g.Select(t => (Name: ListingFormat.FullName(t), Folder: g.Key)))
            .ToDictionary(t => t.Name, t => t.Folder, StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal) { "mscorlib" };
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                foreach (var type in TypesBehind(model.GetSymbolInfo(node).Symbol))
                {
                    if (type.ContainingAssembly?.Name == "mscorlib" && folderOf.TryGetValue(ListingFormat.FullName(type), out string? folder))
                    {
                        used.Add(folder);
                    }
                }
            }
        }

        return used;
    }

    private static IEnumerable<INamedTypeSymbol> TypesBehind(ISymbol? symbol)
    {
        switch (symbol)
        {
            case null:
                yield break;
            case INamedTypeSymbol type:
                yield return type.OriginalDefinition;
                break;
            default:
                if (symbol.ContainingType != null)
                {
                    yield return symbol.ContainingType.OriginalDefinition;
                }

                break;
        }
    }

    [GeneratedRegex(@"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")]
    private static partial Regex GuidPattern();
}
