using Xunit.Abstractions;
using Xunit.Sdk;

namespace TinyMLOps.Host.Tests.Fleet.Store;

/// <summary>
/// A fact of the store contract. It runs like [Fact], except that the PostgreSQL copies are reported as skipped
/// (never passed) when TINYMLOPS_TEST_POSTGRES is the literal "skip".
/// </summary>
[XunitTestCaseDiscoverer("TinyMLOps.Host.Tests.Fleet.Store.StoreFactDiscoverer", "TinyMLOps.Host.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreFactAttribute : FactAttribute
{
}

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        Type? testClass = testMethod.TestClass.Class.ToRuntimeType();
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        if (PostgresTestServer.SkipRequested && testClass is not null && typeof(PostgresFleetStoreTests).IsAssignableFrom(testClass))
        {
            yield return new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, $"{PostgresTestServer.Variable}=skip");
        }
        else
        {
            yield return new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod);
        }
    }
}
