using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TinyMLOps.Web.Api;

/// <summary>Declares the API key in the OpenAPI document: every route takes `Authorization: Bearer tml_ID_SECRET` (or X-Api-Key).</summary>
public sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "apiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "tml_ID_SECRET",
            Description = "An API key from `tinymlops apikey create` or POST /api/v1/keys; its role (viewer, operator, admin) decides what it may do",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] }];
        return Task.CompletedTask;
    }
}
