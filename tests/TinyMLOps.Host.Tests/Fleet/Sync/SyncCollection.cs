namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The broker tests run one at a time: each starts brokers, host workers and boards that would otherwise compete for two cores.</summary>
[CollectionDefinition(Name)]
public sealed class SyncCollection
{
    public const string Name = "sync";
}
