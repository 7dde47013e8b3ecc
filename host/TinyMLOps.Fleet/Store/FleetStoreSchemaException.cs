namespace TinyMLOps.Fleet.Store;

/// <summary>The database was migrated by a newer host: this code must not write to a schema it does not know.</summary>
public sealed class FleetStoreSchemaException : InvalidOperationException
{
    public FleetStoreSchemaException(string engine, string location, int databaseVersion, int knownVersion)
        : base(
            $"The {engine} fleet store at {location} has schema version {databaseVersion}, but this host knows versions up to {knownVersion}. "
            + "It was upgraded by a newer host; run that version (or point this host at another database) instead of downgrading the data.")
    {
        DatabaseVersion = databaseVersion;
        KnownVersion = knownVersion;
    }

    public int DatabaseVersion { get; }

    public int KnownVersion { get; }
}
