using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>Assertions about API errors raised through KubernetesClient.</summary>
internal static class ApiAssert
{
    /// <summary>Runs the call, expects an HTTP error with the given code, returns the Status the server sent.</summary>
    public static async Task<V1Status> FailsAsync(HttpStatusCode code, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(code, e.Response.StatusCode);
        var status = k8s.KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal("Status", status.Kind);
        Assert.Equal("Failure", status.Status);
        Assert.Equal((int)code, status.Code);
        return status;
    }
}
