namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>The API test classes share one seeded `serve` (<see cref="ApiFleet"/>); writes touch devices the reads do not count on.</summary>
[CollectionDefinition(Name)]
public sealed class ApiFleetCollection : ICollectionFixture<ApiFleet>
{
    public const string Name = "api fleet";
}
