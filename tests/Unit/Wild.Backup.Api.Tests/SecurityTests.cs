using System.Net.Http.Headers;
using Xunit;
using static Wild.Backup.Api.Tests.ApiWorld;

namespace Wild.Backup.Api.Tests;

public sealed class SecurityTests
{
    [Fact]
    public async Task With_a_token_every_request_needs_it()
    {
        const string token = "s3cr3t-token-value-for-the-test";
        await using var api = await ApiWorld.StartAsync(o => o with { Token = token });
        using var anonymous = new HttpClient { BaseAddress = api.Server.BaseAddress };
        using (var r = await anonymous.GetAsync("/api/v1/instances"))
        {
            Assert.Equal(401, (int)r.StatusCode);
            Assert.Contains("Bearer", r.Headers.WwwAuthenticate.ToString());
        }
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        using (var r = await anonymous.GetAsync("/api/v1/instances")) Assert.Equal(401, (int)r.StatusCode);
        using (var r = await api.Http.GetAsync("/api/v1/instances")) Assert.Equal(200, (int)r.StatusCode);
        await api.FinishedAsync(await api.StartAsync($"{I}/apps/gitea/backup"));
        Assert.DoesNotContain(api.Log.Lines, l => l.Contains(token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://0.0.0.0:5055")]
    [InlineData("http://192.168.8.10:5055")]
    [InlineData("http://*:5055")]
    public void Listening_beyond_loopback_without_a_token_is_refused(string urls)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ApiOptions { Urls = urls }.Validate());
        Assert.Contains("without a bearer token", ex.Message);
        new ApiOptions { Urls = urls, Token = "t" }.Validate();
        new ApiOptions { Urls = "http://127.0.0.1:5055;http://[::1]:5055;http://localhost:5055" }.Validate();
    }

    [Theory]
    [InlineData("/api/v1/instances/..%2F..%2Fetc/backups")]
    [InlineData("/api/v1/instances/demo-cloud/apps/..%2Fsecrets/backup")]
    [InlineData("/api/v1/instances/DEMO/backups")]
    [InlineData("/api/v1/instances/demo-cloud/apps/a%00b/backup")]
    [InlineData("/api/v1/instances/demo-cloud/operations/..%2F..%2Fconfig")]
    public async Task Hostile_path_parameters_are_400_and_touch_nothing(string path)
    {
        await using var api = await ApiWorld.StartAsync();
        var (status, body) = await api.SendAsync(HttpMethod.Get, path);
        Assert.Equal(400, status);
        // A NUL never reaches the API: Kestrel refuses the request line itself (plain 400, no JSON).
        if (!path.Contains("%00", StringComparison.Ordinal)) Assert.StartsWith("Invalid", body!["code"]!.GetValue<string>());
        Assert.Empty(Directory.EnumerateFileSystemEntries(api.World.Destination));
    }

    [Fact]
    public async Task An_overlong_name_is_400()
    {
        await using var api = await ApiWorld.StartAsync();
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/apps/{new string('a', 64)}/backup");
        Assert.Equal(400, status);
        Assert.Contains("longer than 63", body!["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"bogus\":1}", "unknown field 'bogus'")]
    [InlineData("{\"timeoutSeconds\":\"soon\"}", "wrong type for 'timeoutSeconds'")]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("[1,2]", "malformed JSON")]
    public async Task Malformed_bodies_are_400_and_say_what_is_wrong(string json, string says)
    {
        await using var api = await ApiWorld.StartAsync();
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/apps/gitea/backup", json);
        Assert.Equal(400, status);
        Assert.Equal("InvalidBody", body!["code"]!.GetValue<string>());
        Assert.Contains(says, body["error"]!.GetValue<string>());
        Assert.DoesNotContain("Wild.Backup", body.ToJsonString()); // no type names or stack traces
    }

    [Fact]
    public async Task Oversized_bodies_are_refused()
    {
        await using var api = await ApiWorld.StartAsync(o => o with { MaxBodyBytes = 1024 });
        var big = "{\"fromInstance\":\"" + new string('a', 5000) + "\"}";
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/cluster/restore", big);
        Assert.Contains(status, new[] { 400, 413 });
        Assert.Equal("BodyTooLarge", body!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_restore_body_with_a_bad_instance_name_is_400()
    {
        await using var api = await ApiWorld.StartAsync();
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/cluster/restore", "{\"fromInstance\":\"../prod\"}");
        Assert.Equal(400, status);
        Assert.Equal("InvalidInstanceName", body!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Request_logs_have_method_path_and_status_and_no_secrets()
    {
        await using var api = await ApiWorld.StartAsync();
        await api.FinishedAsync(await api.StartAsync($"{I}/backup"));
        await api.Http.GetStringAsync($"{I}/backups");
        Assert.Contains(api.Log.Lines, l => l.StartsWith($"GET {I}/backups 200", StringComparison.Ordinal));
        Assert.Contains(api.Log.Lines, l => l.StartsWith($"POST {I}/backup 202", StringComparison.Ordinal));
        var all = string.Join("\n", api.Log.Lines) + await api.Http.GetStringAsync($"{I}/operations") + await api.Http.GetStringAsync($"{I}/backups");
        foreach (var secret in api.World.Secrets) Assert.DoesNotContain(secret, all);
    }
}
