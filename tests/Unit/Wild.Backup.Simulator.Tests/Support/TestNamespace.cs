using k8s;
using k8s.Models;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>A uniquely named namespace for one test; deleted (without waiting) afterwards.</summary>
internal sealed class TestNamespace : IAsyncDisposable
{
    private readonly IKubernetes client;

    private TestNamespace(IKubernetes client, string name)
    {
        this.client = client;
        Name = name;
    }

    public string Name { get; }

    public static async Task<TestNamespace> CreateAsync(IKubernetes client, string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return new TestNamespace(client, name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await client.CoreV1.DeleteNamespaceAsync(Name);
        }
        catch (k8s.Autorest.HttpOperationException)
        {
        }
    }

    public static implicit operator string(TestNamespace ns) => ns.Name;
}
