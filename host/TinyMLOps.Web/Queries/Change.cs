namespace TinyMLOps.Web.Queries;

/// <summary>What an operator's write left: the record after it, and whether it changed anything (false: it was already so).</summary>
public sealed record Change<T>(T Record, bool Changed);
