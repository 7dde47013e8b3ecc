using Microsoft.CodeAnalysis;

namespace TinyMLOps.NanoCheck.Tests;

/// <summary>
/// Renders symbols the way shared/nanoframework-api/*.txt list them, one line per type or member:
/// <c>System.Byte [struct]</c>, <c>System.Exception [class]</c>, <c>System.Type [class : System.Reflection.MemberInfo]</c>,
/// <c>System.String.Concat(object arg0, object arg1) : static string</c>, <c>System.Byte.MaxValue : const byte [field]</c>,
/// <c>System.AttributeTargets.All [enum value]</c>, property accessors as <c>get_X()</c>, out parameters as <c>ref</c>,
/// generic types with backtick arity and their type parameters as <c>!0</c>.
/// </summary>
internal static class ListingFormat
{
    /// <summary>The lines for a type and its public and protected members.</summary>
    public static IEnumerable<string> Render(INamedTypeSymbol type)
    {
        yield return TypeLine(type);
        foreach (var member in type.GetMembers())
        {
            if (!IsVisible(member) || (member.IsImplicitlyDeclared && !ExistsInMetadata(member)))
            {
                continue;
            }

            string? line = member switch
            {
                IMethodSymbol method => MethodLine(method),
                IFieldSymbol field => FieldLine(field),
                _ => null, // properties and events appear through their accessor methods
            };
            if (line != null)
            {
                yield return line;
            }
        }
    }

    public static bool IsVisible(ISymbol symbol)
    {
        return symbol.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;
    }

    public static string TypeLine(INamedTypeSymbol type)
    {
        string name = FullName(type);
        if (type.TypeParameters.Length > 0)
        {
            name += "<" + string.Join(",", type.TypeParameters.Select(p => p.Name)) + ">";
        }

        return name + " [" + Kind(type) + "]";
    }

    public static string FullName(INamedTypeSymbol type)
    {
        if (type.ContainingType != null)
        {
            return FullName(type.ContainingType) + "+" + type.MetadataName;
        }

        return type.ContainingNamespace.IsGlobalNamespace
            ? type.MetadataName
            : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
    }

    public static string TypeName(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Object: return "object";
            case SpecialType.System_Boolean: return "bool";
            case SpecialType.System_Char: return "char";
            case SpecialType.System_SByte: return "sbyte";
            case SpecialType.System_Byte: return "byte";
            case SpecialType.System_Int16: return "short";
            case SpecialType.System_UInt16: return "ushort";
            case SpecialType.System_Int32: return "int";
            case SpecialType.System_UInt32: return "uint";
            case SpecialType.System_Int64: return "long";
            case SpecialType.System_UInt64: return "ulong";
            case SpecialType.System_Single: return "float";
            case SpecialType.System_Double: return "double";
            case SpecialType.System_String: return "string";
            case SpecialType.System_Void: return "void";
            case SpecialType.System_IntPtr: return "IntPtr";
            case SpecialType.System_UIntPtr: return "UIntPtr";
        }

        return type switch
        {
            IArrayTypeSymbol array => TypeName(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]",
            ITypeParameterSymbol parameter => (parameter.TypeParameterKind == TypeParameterKind.Method ? "!!" : "!") + parameter.Ordinal,
            INamedTypeSymbol named => FullName(named),
            _ => type.ToDisplayString(),
        };
    }

    private static string Kind(INamedTypeSymbol type)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Interface: return "interface";
            case TypeKind.Enum: return "enum";
            case TypeKind.Delegate: return "delegate";
            case TypeKind.Struct: return "struct";
        }

        // The listings call System.Enum (a class deriving from ValueType) a struct, too.
        var baseType = type.BaseType;
        if (baseType == null || baseType.SpecialType == SpecialType.System_Object)
        {
            return "class";
        }

        return baseType.SpecialType == SpecialType.System_ValueType ? "struct" : "class : " + FullName(baseType);
    }

    /// <summary>Implicit members that the compiler still emits: a class's default constructor, a delegate's methods.</summary>
    private static bool ExistsInMetadata(ISymbol member)
    {
        var type = member.ContainingType;
        if (type.TypeKind == TypeKind.Delegate)
        {
            return true;
        }

        return member is IMethodSymbol { MethodKind: MethodKind.Constructor } && type.TypeKind == TypeKind.Class;
    }

    private static string? MethodLine(IMethodSymbol method)
    {
        string owner = FullName(method.ContainingType);
        string parameters = string.Join(", ", method.Parameters.Select(p => (p.RefKind == RefKind.None ? string.Empty : "ref ") + TypeName(p.Type) + " " + p.Name));
        switch (method.MethodKind)
        {
            case MethodKind.StaticConstructor:
            case MethodKind.Destructor:
                return null;
            case MethodKind.Constructor:
                return owner + "..ctor(" + parameters + ") : void";
            default:
                string name = method.MetadataName;
                return owner + "." + name + "(" + parameters + ") : " + (method.IsStatic ? "static " : string.Empty) + TypeName(method.ReturnType);
        }
    }

    private static string? FieldLine(IFieldSymbol field)
    {
        string owner = FullName(field.ContainingType);
        if (field.ContainingType.TypeKind == TypeKind.Enum)
        {
            return field.IsConst ? owner + "." + field.Name + " [enum value]" : null;
        }

        string modifier = field.IsConst ? "const " : field.IsStatic ? "static " : string.Empty;
        return owner + "." + field.Name + " : " + modifier + TypeName(field.Type) + " [field]";
    }
}
