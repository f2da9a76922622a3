using System.Net;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Cluster;

/// <summary>Service ClusterIP (10.96.0.0/12) and NodePort (30000-32767) allocation, checked against existing Services.</summary>
internal sealed class Allocators
{
    private readonly ClusterRuntime runtime;
    private readonly object gate = new();
    private readonly HashSet<string> recentIps = new(StringComparer.Ordinal);
    private readonly HashSet<long> recentPorts = new();

    public Allocators(ClusterRuntime runtime) => this.runtime = runtime;

    private HashSet<string> UsedIps()
    {
        var (items, _) = runtime.Store.List(GroupVersionResource.Services.GroupResource, null);
        var used = items.Select(i => i.Parse().Str("spec", "clusterIP")).Where(ip => !string.IsNullOrEmpty(ip)).ToHashSet(StringComparer.Ordinal)!;
        used.UnionWith(recentIps);
        return used!;
    }

    public string AllocateClusterIp(string? preferred)
    {
        lock (gate)
        {
            var used = UsedIps();
            if (preferred is not null && !used.Contains(preferred))
            {
                recentIps.Add(preferred);
                return preferred;
            }
            for (var attempt = 0; attempt < 10000; attempt++)
            {
                // 10.96.0.0/12 minus the first /24 (reserved for well-known addresses such as 10.96.0.1 and 10.96.0.10).
                var offset = Random.Shared.Next(256, (1 << 20) - 1);
                var ip = $"10.{96 + (offset >> 16)}.{(offset >> 8) & 0xff}.{offset & 0xff}";
                if (used.Contains(ip)) continue;
                recentIps.Add(ip);
                return ip;
            }
            throw Errors.Internal("failed to allocate a serviceIP: range is full");
        }
    }

    public bool TryReserveClusterIp(string ip, out string problem)
    {
        lock (gate)
        {
            if (!IPAddress.TryParse(ip, out var addr) || addr.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                problem = "must be a valid IP address";
                return false;
            }
            var b = addr.GetAddressBytes();
            if (b[0] != 10 || b[1] < 96 || b[1] > 111)
            {
                problem = "the provided IP (" + ip + ") is not in the valid range. The range of valid IPs is 10.96.0.0/12";
                return false;
            }
            if (UsedIps().Contains(ip))
            {
                problem = "provided IP is already allocated";
                return false;
            }
            recentIps.Add(ip);
            problem = "";
            return true;
        }
    }

    public long AllocateNodePort()
    {
        lock (gate)
        {
            var (items, _) = runtime.Store.List(GroupVersionResource.Services.GroupResource, null);
            var used = items.SelectMany(i => i.Parse().Arr("spec", "ports")?.Select(p => p.Long("nodePort") ?? 0) ?? []).ToHashSet();
            used.UnionWith(recentPorts);
            for (var attempt = 0; attempt < 10000; attempt++)
            {
                long port = Random.Shared.Next(30000, 32768);
                if (used.Contains(port)) continue;
                recentPorts.Add(port);
                return port;
            }
            throw Errors.Internal("range is full");
        }
    }
}
