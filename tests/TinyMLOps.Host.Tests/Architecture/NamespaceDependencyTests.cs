using System.Reflection;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Simulation.VirtualBoards;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Architecture;

/// <summary>
/// The house's layering, read from the compiled assemblies: no cycle between the top-level namespaces of the host
/// libraries or of the device core, references between the host libraries one way (modelling ← fleet ← simulation),
/// and <c>serve</c> free of the simulation library and the device core.
/// </summary>
public sealed class NamespaceDependencyTests(ITestOutputHelper output)
{
    private static readonly Assembly Modelling = typeof(VariantRegistry).Assembly;
    private static readonly Assembly FleetLibrary = typeof(SyncHost).Assembly;
    private static readonly Assembly Simulation = typeof(VirtualFleet).Assembly;
    private static readonly Assembly Console = typeof(TinyMLOps.Console.Cli).Assembly;
    private static readonly Assembly DeviceCore = typeof(TinyMLOps.Firmware.Core.Sync.Outbox).Assembly;
    private static readonly Assembly Shared = typeof(TinyMLOps.Shared.Runtime.Interpreter).Assembly;

    private static readonly Lazy<TypeGraph> Graph = new(() => TypeGraph.Read(
        [.. new[] { Modelling, FleetLibrary, Simulation, Console, DeviceCore, Shared }.Select(a => a.Location)]));

    [Fact]
    public void Host_libraries_have_no_cycle_between_top_level_namespaces()
    {
        AssertNoCycle("TinyMLOps.Modelling", "TinyMLOps.Fleet", "TinyMLOps.Simulation", "TinyMLOps.Console");
    }

    [Fact]
    public void Device_core_has_no_cycle_between_top_level_namespaces()
    {
        AssertNoCycle("TinyMLOps.Firmware.Core");
    }

    [Fact]
    public void Host_libraries_reference_each_other_one_way_and_only_the_simulation_references_the_device_core()
    {
        Assert.Empty(Referenced(Modelling).Intersect(["TinyMLOps.Fleet", "TinyMLOps.Simulation", "TinyMLOps.Firmware.Core"]));
        Assert.Empty(Referenced(FleetLibrary).Intersect(["TinyMLOps.Simulation", "TinyMLOps.Firmware.Core"]));
        Assert.Contains("TinyMLOps.Firmware.Core", Referenced(Simulation));
    }

    [Fact]
    public void Serve_needs_neither_the_simulation_library_nor_the_device_core()
    {
        string serve = typeof(TinyMLOps.Console.Commands.Serve.ServeCommand).FullName!;
        var reached = Graph.Value.Reachable(serve);
        var offending = reached.Where(t => t.StartsWith("TinyMLOps.Simulation.", StringComparison.Ordinal) || t.StartsWith("TinyMLOps.Firmware.", StringComparison.Ordinal)).ToList();
        output.WriteLine($"serve reaches {reached.Count} TinyMLOps types");
        Assert.True(offending.Count == 0, "serve reaches " + string.Join(", ", offending.Take(10)));
    }

    private static string[] Referenced(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    private void AssertNoCycle(params string[] roots)
    {
        // Namespace edges with one type pair as the evidence of each.
        var edges = new Dictionary<(string From, string To), string>();
        foreach (var (type, uses) in Graph.Value.Uses)
        {
            string? from = TopLevel(TypeGraph.NamespaceOf(type), roots);
            foreach (string used in uses)
            {
                string? to = TopLevel(TypeGraph.NamespaceOf(used), roots);
                if (from != null && to != null && from != to)
                {
                    edges.TryAdd((from, to), $"{type} → {used}");
                }
            }
        }

        var nodes = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"{nodes.Count} namespaces, {edges.Count} edges under {string.Join(", ", roots)}");
        var cycles = StronglyConnected(nodes, edges.Keys.ToLookup(e => e.From, e => e.To)).Where(c => c.Count > 1).ToList();
        var report = cycles.Select(c => "cycle: " + string.Join(" ↔ ", c) + "\n" + string.Join("\n",
            edges.Where(e => c.Contains(e.Key.From) && c.Contains(e.Key.To)).Select(e => $"  {e.Key.From} → {e.Key.To}  ({e.Value})")));
        Assert.True(cycles.Count == 0, string.Join("\n", report));
    }

    /// <summary>The namespace one segment below its root (or the root itself); null outside the roots.</summary>
    private static string? TopLevel(string ns, string[] roots)
    {
        foreach (string root in roots)
        {
            if (ns == root)
            {
                return root;
            }

            if (ns.StartsWith(root + ".", StringComparison.Ordinal))
            {
                int end = ns.IndexOf('.', root.Length + 1);
                return end < 0 ? ns : ns[..end];
            }
        }

        return null;
    }

    // Tarjan's algorithm.
    private static List<List<string>> StronglyConnected(List<string> nodes, ILookup<string, string> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in next[v])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }

        foreach (string v in nodes.Where(v => !index.ContainsKey(v)))
        {
            Visit(v);
        }

        return result;
    }
}
