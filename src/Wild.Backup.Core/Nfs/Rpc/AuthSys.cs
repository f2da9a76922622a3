using System.Runtime.InteropServices;
using System.Text;
using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>An RPC credential: its flavor and encoded body.</summary>
internal sealed record RpcCredential(AuthFlavor Flavor, ReadOnlyMemory<byte> Body)
{
    public static readonly RpcCredential None = new(AuthFlavor.None, ReadOnlyMemory<byte>.Empty);
}

/// <summary>AUTH_SYS (AUTH_UNIX) credentials (RFC 5531 Appendix A): a stamp, the machine name, uid, gid and up to 16 groups.</summary>
internal static class AuthSys
{
    public const int MaxMachineNameLength = 255;
    public const int MaxGroups = 16;

    public static RpcCredential Create(uint uid, uint gid, IReadOnlyList<uint>? groups = null, string? machineName = null, uint stamp = 0)
    {
        groups ??= [];
        if (groups.Count > MaxGroups) throw new ArgumentException($"AUTH_SYS carries at most {MaxGroups} groups", nameof(groups));
        var name = machineName ?? Environment.MachineName;
        while (Encoding.UTF8.GetByteCount(name) > MaxMachineNameLength) name = name[..^1];
        using var w = new XdrWriter(128);
        w.WriteUInt32(stamp);
        w.WriteString(name);
        w.WriteUInt32(uid);
        w.WriteUInt32(gid);
        w.WriteUInt32((uint)groups.Count);
        foreach (var g in groups) w.WriteUInt32(g);
        return new RpcCredential(AuthFlavor.Sys, w.Written.ToArray());
    }

    /// <summary>The uid and gid of this process (getuid/getgid), or nobody (65534) where there are none.</summary>
    public static (uint Uid, uint Gid) CurrentProcessIds()
    {
        if (OperatingSystem.IsWindows()) return (Nobody, Nobody);
        try
        {
            return (getuid(), getgid());
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return (Nobody, Nobody);
        }
    }

    public const uint Nobody = 65534;

    /// <summary>This process's supplementary groups (getgroups), at most <see cref="MaxGroups"/>; empty where there are none.</summary>
    public static IReadOnlyList<uint> CurrentProcessGroups()
    {
        if (OperatingSystem.IsWindows()) return [];
        try
        {
            var n = getgroups(0, null);
            if (n <= 0) return [];
            var groups = new uint[n];
            n = getgroups(n, groups);
            return n <= 0 ? [] : groups.Take(Math.Min(n, MaxGroups)).ToArray();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return [];
        }
    }

    [DllImport("libc", EntryPoint = "getgroups")]
    private static extern int getgroups(int size, [Out] uint[]? list);

    [DllImport("libc", EntryPoint = "getuid")]
    private static extern uint getuid();

    [DllImport("libc", EntryPoint = "getgid")]
    private static extern uint getgid();
}
