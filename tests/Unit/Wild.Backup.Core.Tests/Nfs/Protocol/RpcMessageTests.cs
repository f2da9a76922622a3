using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;
using Wild.Backup.Core.Nfs.Xdr;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs.Protocol;

public sealed class RpcMessageTests
{
    [Fact]
    public void Call_header_with_auth_sys_has_the_rfc_5531_layout()
    {
        var cred = AuthSys.Create(uid: 1000, gid: 100, groups: [4, 27], machineName: "m", stamp: 7);
        using var w = new XdrWriter();
        RpcMessage.WriteCallHeader(w, xid: 0x01020304, program: 100003, version: 3, procedure: 1, cred);
        byte[] expected =
        [
            0x01, 0x02, 0x03, 0x04, // xid
            0, 0, 0, 0,             // CALL
            0, 0, 0, 2,             // rpcvers
            0, 0x01, 0x86, 0xA3,    // program 100003
            0, 0, 0, 3,             // version
            0, 0, 0, 1,             // procedure
            0, 0, 0, 1,             // AUTH_SYS
            0, 0, 0, 32,            // credential body length
            0, 0, 0, 7,             //   stamp
            0, 0, 0, 1, (byte)'m', 0, 0, 0, // machine name
            0, 0, 0x03, 0xE8,       //   uid 1000
            0, 0, 0, 100,           //   gid 100
            0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 27, // groups
            0, 0, 0, 0, 0, 0, 0, 0, // verifier AUTH_NONE, empty
        ];
        Assert.Equal(expected, w.Written.ToArray());
    }

    [Fact]
    public void Auth_sys_limits_groups_and_machine_name()
    {
        Assert.Throws<ArgumentException>(() => AuthSys.Create(0, 0, Enumerable.Range(0, 17).Select(i => (uint)i).ToArray(), "m"));
        var cred = AuthSys.Create(0, 0, null, new string('x', 300));
        var r = new XdrReader(cred.Body);
        r.ReadUInt32();
        Assert.Equal(255, r.ReadString().Length);
    }

    [Fact]
    public void Current_process_ids_are_the_real_ones()
    {
        var (uid, gid) = AuthSys.CurrentProcessIds();
        var status = File.ReadAllLines("/proc/self/status");
        Assert.Equal(status.Single(l => l.StartsWith("Uid:")).Split('\t')[1], uid.ToString());
        Assert.Equal(status.Single(l => l.StartsWith("Gid:")).Split('\t')[1], gid.ToString());
        var groups = status.Single(l => l.StartsWith("Groups:")).Split(':')[1].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).Take(16);
        Assert.Equal(groups, AuthSys.CurrentProcessGroups());
    }

    private static XdrReader Reply(params uint[] words)
    {
        using var w = new XdrWriter();
        foreach (var x in words) w.WriteUInt32(x);
        return new XdrReader(w.Written.ToArray());
    }

    [Fact]
    public void Accepted_success_leaves_the_reader_at_the_results()
    {
        // xid, REPLY, MSG_ACCEPTED, verf AUTH_NONE (flavor, length 0), SUCCESS, result 42
        var r = Reply(9, 1, 0, 0, 0, 0, 42);
        RpcMessage.ReadReplyHeader(r, 9);
        Assert.Equal(42u, r.ReadUInt32());
    }

    [Fact]
    public void Unsuccessful_replies_raise_what_the_server_said()
    {
        var mismatch = Assert.Throws<RpcAcceptException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 0, 0, 0, 2, 2, 4), 9));
        Assert.Equal(AcceptStatus.ProgMismatch, mismatch.Status);
        Assert.Contains("2-4", mismatch.Message);
        Assert.Equal(AcceptStatus.ProgUnavail, Assert.Throws<RpcAcceptException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 0, 0, 0, 1), 9)).Status);
        Assert.Equal(AcceptStatus.GarbageArgs, Assert.Throws<RpcAcceptException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 0, 0, 0, 4), 9)).Status);

        var auth = Assert.Throws<RpcRejectedException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 1, 1, 5), 9));
        Assert.Equal((RejectStatus.AuthError, AuthStatus.TooWeak), (auth.Status, auth.Auth));
        var version = Assert.Throws<RpcRejectedException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 1, 0, 3, 4), 9));
        Assert.Equal(RejectStatus.RpcMismatch, version.Status);

        Assert.Throws<RpcProtocolException>(() => RpcMessage.ReadReplyHeader(Reply(8, 1, 0, 0, 0, 0), 9)); // wrong xid
        Assert.Throws<RpcProtocolException>(() => RpcMessage.ReadReplyHeader(Reply(9, 0, 0, 0, 0, 0), 9)); // a CALL, not a reply
        Assert.Throws<XdrFormatException>(() => RpcMessage.ReadReplyHeader(Reply(9, 1, 0), 9)); // cut short
    }

    [Fact]
    public void Sattr3_encodes_only_what_is_set()
    {
        using var w = new XdrWriter();
        new Sattr3 { Mode = 0x1A4, Size = 0 }.Write(w);
        Assert.Equal(
            [0, 0, 0, 1, 0, 0, 0x01, 0xA4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            w.Written.ToArray());
        using var w2 = new XdrWriter();
        new Sattr3 { TimesToServerNow = true }.Write(w2);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1], w2.Written.ToArray());
    }

    [Fact]
    public void Fattr3_decodes_every_field()
    {
        using var w = new XdrWriter();
        foreach (var x in new uint[] { 2, 0x41ED, 3, 1000, 100 }) w.WriteUInt32(x); // dir, 040755, nlink, uid, gid
        w.WriteUInt64(4096); // size
        w.WriteUInt64(8192); // used
        w.WriteUInt32(0); w.WriteUInt32(0); // rdev
        w.WriteUInt64(77); // fsid
        w.WriteUInt64(12345); // fileid
        foreach (var x in new uint[] { 1, 2, 1_700_000_000, 500_000_000, 5, 6 }) w.WriteUInt32(x); // atime, mtime, ctime
        var a = Fattr3.Read(new XdrReader(w.Written.ToArray()));
        Assert.True(a.IsDirectory);
        Assert.Equal((0x41EDu, 3u, 1000u, 100u, 4096ul, 8192ul, 77ul, 12345ul), (a.Mode, a.Nlink, a.Uid, a.Gid, a.Size, a.Used, a.Fsid, a.FileId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddMilliseconds(500), a.Mtime.ToDateTimeOffset());
    }
}
