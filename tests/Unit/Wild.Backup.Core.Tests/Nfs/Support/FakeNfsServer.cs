using System.Buffers.Binary;
using System.Collections.Concurrent;
using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Tests.Nfs.Support;

/// <summary>
/// Just enough of a MOUNT v3 + NFS v3 server (one port for both) to drive <see cref="Wild.Backup.Core.Nfs.NfsStore"/>
/// through create, write, commit: for what a real Ganesha will not do on demand, such as changing its write verifier
/// (a server that lost unstable data in a reboot). Everything lives in memory; one export "/export" holding flat files.
/// </summary>
public sealed class FakeNfsServer : IAsyncDisposable
{
    private readonly FakeRpcServer _rpc;
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private long _verifier = 0x1111;

    public FakeNfsServer() => _rpc = new FakeRpcServer(HandleAsync);

    public string Url => $"nfs://127.0.0.1:{_rpc.Port}/export?mountport={_rpc.Port}&timeout=5";

    /// <summary>The verifier WRITE and COMMIT return; changing it is what a server reboot that lost unstable data looks like.</summary>
    public ulong Verifier
    {
        get => (ulong)Interlocked.Read(ref _verifier);
        set => Interlocked.Exchange(ref _verifier, (long)value);
    }

    public ConcurrentQueue<uint> NfsProcedures { get; } = new();

    private static readonly byte[] RootHandle = [0xAA, 0, 0, 1];

    private Task<byte[]?> HandleAsync(FakeCall call)
    {
        using var w = new XdrWriter();
        var r = new XdrReader(call.Args);
        if (call.Program == 100005)
        {
            switch (call.Procedure)
            {
                case 5: // EXPORT: one export, no groups
                    w.WriteBool(true); w.WriteString("/export"); w.WriteBool(false); w.WriteBool(false);
                    break;
                case 1: // MNT
                    w.WriteUInt32(0); w.WriteOpaque(RootHandle); w.WriteUInt32(1); w.WriteUInt32(1);
                    break;
                default: // UMNT and anything else: void
                    break;
            }
            return Task.FromResult<byte[]?>(w.Written.ToArray());
        }
        NfsProcedures.Enqueue(call.Procedure);
        switch (call.Procedure)
        {
            case 19: // FSINFO
                w.WriteUInt32(0); w.WriteBool(false);
                foreach (var x in new uint[] { 65536, 65536, 1, 65536, 65536, 1, 4096 }) w.WriteUInt32(x);
                w.WriteUInt64(long.MaxValue); w.WriteUInt32(0); w.WriteUInt32(1); w.WriteUInt32(0x1B);
                break;
            case 8: // CREATE: dir handle, name, mode...
            {
                r.ReadOpaque();
                var name = r.ReadString();
                _files[name] = [];
                w.WriteUInt32(0);
                w.WriteBool(true); w.WriteOpaque(Handle(name));
                w.WriteBool(true); WriteAttributes(w, 0);
                w.WriteBool(false); w.WriteBool(false); // dir wcc
                break;
            }
            case 7: // WRITE
            {
                var name = NameOf(r.ReadOpaque().ToArray());
                var offset = (long)r.ReadUInt64();
                var count = r.ReadUInt32();
                r.ReadUInt32(); // stable
                var data = r.ReadOpaque().ToArray();
                lock (_files)
                {
                    var old = _files[name];
                    var grown = new byte[Math.Max(old.Length, offset + data.Length)];
                    old.CopyTo(grown, 0);
                    data.CopyTo(grown, offset);
                    _files[name] = grown;
                }
                w.WriteUInt32(0); w.WriteBool(false); w.WriteBool(false);
                w.WriteUInt32(count); w.WriteUInt32(0); w.WriteUInt64(Verifier);
                break;
            }
            case 21: // COMMIT
                w.WriteUInt32(0); w.WriteBool(false); w.WriteBool(false); w.WriteUInt64(Verifier);
                break;
            default:
                w.WriteUInt32(10004); // NFS3ERR_NOTSUPP
                w.WriteBool(false);
                break;
        }
        return Task.FromResult<byte[]?>(w.Written.ToArray());
    }

    private static byte[] Handle(string name) => [0xBB, .. System.Text.Encoding.UTF8.GetBytes(name)];
    private static string NameOf(byte[] handle) => System.Text.Encoding.UTF8.GetString(handle, 1, handle.Length - 1);

    private static void WriteAttributes(XdrWriter w, ulong size)
    {
        foreach (var x in new uint[] { 1, 0x1A4, 1, 0, 0 }) w.WriteUInt32(x);
        w.WriteUInt64(size); w.WriteUInt64(size);
        w.WriteUInt32(0); w.WriteUInt32(0);
        w.WriteUInt64(1); w.WriteUInt64(2);
        for (var i = 0; i < 6; i++) w.WriteUInt32(0);
    }

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();
}
