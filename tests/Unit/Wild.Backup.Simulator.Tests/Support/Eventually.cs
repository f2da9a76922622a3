namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>Polls until a condition holds or the timeout passes (no fixed sleeps in assertions).</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                lastError = null;
                if (done(last)) return last;
            }
            catch (Exception e)
            {
                lastError = e;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what}; last value: {Describe(last)}", lastError);
    }

    public static Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
        => WaitAsync(condition, b => b, what, timeout);

    private static string Describe(object? value) => value switch
    {
        null => "null",
        System.Text.Json.Nodes.JsonNode n => n.ToJsonString(),
        _ => k8s.KubernetesJson.Serialize(value),
    };
}
