using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.PowerShell.Tests.Support;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

/// <summary>What only a server brings: its own destination, tokens, and operations others can watch and stop.</summary>
public sealed class RemoteModeTests
{
    [Fact]
    public async Task A_server_whose_storage_is_unreachable_gives_the_same_error_as_a_local_run()
    {
        await using var cw = await CmdletWorld.StartAsync(Mode.Remote, o => o with { Destination = "/nonexistent/nas" });
        var (output, _) = cw.Ps.Invoke("try { Backup-WildCluster; 'not reached' } catch { $_ }");
        var record = (ErrorRecord)Assert.Single(output).BaseObject;
        Assert.Equal("Cannot reach backup storage. Check network connection.", record.Exception.Message);
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.StartsWith("StorageUnreachable,", record.FullyQualifiedErrorId);
    }

    [Fact]
    public async Task A_server_with_a_token_refuses_sessions_without_it_and_accepts_the_right_one()
    {
        await using var cw = await CmdletWorld.StartAsync(Mode.Local); // start unconnected; connect by hand below
        var options = new Api.ApiOptions { Urls = "http://127.0.0.1:0", DataDir = cw.World.DataDir, Destination = cw.World.Destination, Token = "t0k3n-for-the-test" };
        await using var server = await Api.ApiServer.StartAsync(options, _ => { });
        cw.Ps.SetVariable("server", server.BaseAddress);
        var (output, _) = cw.Ps.Invoke("try { Connect-WildServer -Uri $server } catch { $_ }");
        var denied = (ErrorRecord)Assert.Single(output).BaseObject;
        Assert.Contains("Connect-WildServer -Token", denied.Exception.Message);
        var token = new System.Security.SecureString();
        foreach (var c in "t0k3n-for-the-test") token.AppendChar(c);
        cw.Ps.SetVariable("token", token);
        (output, var ps) = cw.Ps.Invoke("Connect-WildServer -Uri $server -Token $token -PassThru; Backup-WildApp redis");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal("redis", output.Select(o => o.BaseObject).OfType<BackupInfo>().Single().Name);
        Assert.DoesNotContain(output, o => o.ToString()!.Contains("t0k3n", StringComparison.Ordinal)); // the connection prints without its token
    }

    [Fact]
    public async Task An_operation_started_on_a_server_can_be_listed_waited_for_and_stopped_from_another_session()
    {
        await using var cw = await CmdletWorld.StartAsync(Mode.Remote);
        var big = Path.Combine(cw.World.InstancePath, "apps", "gitea", "config", "blob.bin");
        using (var fs = File.Create(big))
        {
            var chunk = new byte[1 << 20];
            var rng = new Random(2);
            for (var i = 0; i < 300; i++) { rng.NextBytes(chunk); fs.Write(chunk); }
        }
        // Start it without waiting: the API answers with the operation id.
        using var http = new HttpClient { BaseAddress = cw.Server!.BaseAddress };
        var id = System.Text.Json.Nodes.JsonNode.Parse(await (await http.PostAsync("/api/v1/instances/demo-cloud/apps/gitea/backup", null)).Content.ReadAsStringAsync())!["operation_id"]!.GetValue<string>();
        cw.Ps.SetVariable("id", id);
        var (listed, _) = cw.Ps.Invoke("Get-WildOperation | Where-Object Id -EQ $id");
        Assert.Equal("backup_app", ((Core.Operations.OperationRecord)Assert.Single(listed).BaseObject).Type);
        var (stopped, ps) = cw.Ps.Invoke("Stop-WildOperation -Id $id -Confirm:$false; Wait-WildOperation -Id $id");
        var final = (Core.Operations.OperationRecord)Assert.Single(stopped).BaseObject;
        Assert.Equal(Core.Operations.OperationStatus.Cancelled, final.Status);
    }
}
