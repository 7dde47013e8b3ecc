using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace TinyMLOps.Host.Tests.Architecture;

/// <summary>
/// Which type uses which, read from compiled assemblies: base types, interfaces, field, method and local signatures,
/// and every type, method and field token in method bodies. Compiler-made types (closures, state machines) count as
/// the type that declares them. Only types whose namespace starts with <c>TinyMLOps.</c> are kept.
/// </summary>
internal sealed class TypeGraph
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Edges by full type name (namespace.Name), each with the types it uses.</summary>
    public Dictionary<string, HashSet<string>> Uses { get; } = new(StringComparer.Ordinal);

    public static TypeGraph Read(params string[] assemblyPaths)
    {
        var graph = new TypeGraph();
        foreach (string path in assemblyPaths)
        {
            graph.Add(path);
        }

        return graph;
    }

    /// <summary>The namespace of a full type name.</summary>
    public static string NamespaceOf(string type) => type[..Math.Max(0, type.LastIndexOf('.'))];

    /// <summary>The types reachable from <paramref name="start"/>, itself included.</summary>
    public HashSet<string> Reachable(string start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var work = new Stack<string>([start]);
        while (work.Count > 0)
        {
            foreach (string next in Uses.GetValueOrDefault(work.Pop()) ?? [])
            {
                if (seen.Add(next))
                {
                    work.Push(next);
                }
            }
        }

        return seen;
    }

    private void Add(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var names = new NameProvider(md);
        foreach (TypeDefinitionHandle handle in md.TypeDefinitions)
        {
            string? owner = names.Outer(handle);
            if (owner == null)
            {
                continue;
            }

            var used = new HashSet<string>(StringComparer.Ordinal);
            TypeDefinition type = md.GetTypeDefinition(handle);
            if (!type.BaseType.IsNil)
            {
                names.Collect(type.BaseType, used);
            }

            foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
            {
                names.Collect(md.GetInterfaceImplementation(i).Interface, used);
            }

            foreach (FieldDefinitionHandle f in type.GetFields())
            {
                used.UnionWith(md.GetFieldDefinition(f).DecodeSignature(names, null));
            }

            foreach (MethodDefinitionHandle m in type.GetMethods())
            {
                MethodDefinition method = md.GetMethodDefinition(m);
                MethodSignature<ImmutableArray<string>> signature = method.DecodeSignature(names, null);
                used.UnionWith(signature.ReturnType);
                foreach (var p in signature.ParameterTypes)
                {
                    used.UnionWith(p);
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    MethodBodyBlock body = pe.GetMethodBody(method.RelativeVirtualAddress);
                    if (!body.LocalSignature.IsNil)
                    {
                        foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null))
                        {
                            used.UnionWith(local);
                        }
                    }

                    ScanBody(body.GetILReader(), names, used);
                }
            }

            used.Remove(owner);
            if (!Uses.TryGetValue(owner, out var set))
            {
                Uses[owner] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(used);
        }
    }

    private static void ScanBody(BlobReader il, NameProvider names, HashSet<string> used)
    {
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            }

            switch (Operands[code])
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    int targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    names.Collect(MetadataTokens.EntityHandle(il.ReadInt32()), used);
                    break;
                default:
                    il.Offset += 4;
                    break;
            }
        }
    }

    /// <summary>Type names out of handles and signatures; generic arguments and array elements count as used.</summary>
    private sealed class NameProvider(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        /// <summary>The outermost declaring type's full name, or null outside TinyMLOps.</summary>
        public string? Outer(TypeDefinitionHandle handle)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            while (type.IsNested)
            {
                handle = type.GetDeclaringType();
                type = md.GetTypeDefinition(handle);
            }

            return Keep(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        public void Collect(EntityHandle handle, HashSet<string> used)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeReference:
                case HandleKind.TypeSpecification:
                    used.UnionWith(Type(handle));
                    break;
                case HandleKind.MethodDefinition:
                    used.UnionWith(Type(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()));
                    break;
                case HandleKind.FieldDefinition:
                    used.UnionWith(Type(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()));
                    break;
                case HandleKind.MemberReference:
                    MemberReference member = md.GetMemberReference((MemberReferenceHandle)handle);
                    Collect(member.Parent, used);
                    if (member.GetKind() == MemberReferenceKind.Field)
                    {
                        used.UnionWith(member.DecodeFieldSignature(this, null));
                    }
                    else
                    {
                        var signature = member.DecodeMethodSignature(this, null);
                        used.UnionWith(signature.ReturnType);
                        foreach (var p in signature.ParameterTypes)
                        {
                            used.UnionWith(p);
                        }
                    }

                    break;
                case HandleKind.MethodSpecification:
                    MethodSpecification spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Collect(spec.Method, used);
                    foreach (var argument in spec.DecodeSignature(this, null))
                    {
                        used.UnionWith(argument);
                    }

                    break;
            }
        }

        private ImmutableArray<string> Type(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeReference => GetTypeFromReference(md, (TypeReferenceHandle)handle, 0),
            HandleKind.TypeSpecification => GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0),
            _ => [],
        };

        private static string? Keep(string ns, string name) =>
            ns.StartsWith("TinyMLOps.", StringComparison.Ordinal) || ns == "TinyMLOps" ? ns + "." + name : null;

        private static ImmutableArray<string> One(string? name) => name == null ? [] : [name];

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => One(Outer(handle));

        public ImmutableArray<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            TypeReference reference = reader.GetTypeReference(handle);
            while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                reference = reader.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
            }

            return One(Keep(reader.GetString(reference.Namespace), reader.GetString(reference.Name)));
        }

        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(a => a));

        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) => unmodifiedType;

        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) =>
            signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(p => p));

        public ImmutableArray<string> GetGenericMethodParameter(object? genericContext, int index) => [];

        public ImmutableArray<string> GetGenericTypeParameter(object? genericContext, int index) => [];

        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
    }
}
