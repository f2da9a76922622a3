namespace Wild.Backup.Simulator.Nfs;

/// <summary>What NFS-Ganesha squashes to the anonymous user.</summary>
public enum GaneshaSquash
{
    /// <summary>No_Root_Squash: every AUTH_SYS identity is taken as sent, root included.</summary>
    None,
    /// <summary>Root_Squash: uid 0 becomes the anonymous user.</summary>
    Root,
    /// <summary>All_Squash: everyone becomes the anonymous user.</summary>
    All,
}

/// <summary>One NFS-Ganesha server on 127.0.0.1 exporting one directory over NFSv3/TCP.</summary>
public sealed record GaneshaOptions
{
    /// <summary>The directory to export (absolute; must exist). Ganesha refuses mounts of relative paths.</summary>
    public required string ExportDirectory { get; init; }

    /// <summary>The path clients mount (NFSv3 with mount_path_pseudo). Default "/export".</summary>
    public string Pseudo { get; init; } = "/export";

    /// <summary>NFS port; 0 picks a free one.</summary>
    public int NfsPort { get; init; }

    /// <summary>MOUNT port; 0 picks a free one.</summary>
    public int MountPort { get; init; }

    public GaneshaSquash Squash { get; init; } = GaneshaSquash.None;

    /// <summary>The uid/gid squashed identities become.</summary>
    public uint AnonymousUid { get; init; } = 65534;
    public uint AnonymousGid { get; init; } = 65534;

    /// <summary>When set, only these clients may mount (read-write); everyone else is refused at mount time.
    /// Null: any client may mount read-write.</summary>
    public IReadOnlyList<string>? AllowedClients { get; init; }

    /// <summary>Accept only clients connecting from ports below 1024 (PrivilegedPort; Linux knfsd's "secure").</summary>
    public bool PrivilegedPortsOnly { get; init; }

    /// <summary>Where the config, log, pid file and recovery directory go; a fresh temp directory when null (removed on dispose).</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>How long to wait for a real listing after starting.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait after SIGTERM before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
