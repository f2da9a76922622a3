using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Restores;

/// <summary>How an app restore is done. The design's default and only strategy is blue-green.</summary>
public sealed record AppRestoreOptions
{
    public const string BlueGreen = "blue-green";

    /// <summary>Restore another instance's backup of the app (migration); null: this instance's.</summary>
    public string? FromInstance { get; init; }

    /// <summary>Only <c>blue-green</c> (the design's default).</summary>
    public string Strategy { get; init; } = BlueGreen;

    /// <summary>How long the restored workloads may take to become ready (and each Longhorn restore may go without
    /// progress). Design: 5 min default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Options of the steps after a restore (switch, cleanup).</summary>
public sealed record RestoreStepOptions
{
    /// <summary>How long namespace deletion and other waits may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Cleanup only: also throw away a restored copy nobody switched to (its namespace and <c>apps/{app}-restore</c>).</summary>
    public bool DiscardRestore { get; init; }
}

/// <summary>A volume brought back from its Longhorn backup.</summary>
public sealed record RestoredVolume(string Pvc, string LonghornVolume, long SizeBytes, string LonghornBackup);

/// <summary>An ingress host of the restored copy: the live host, and the host it answers on until the switch.</summary>
public sealed record RestoredHost(string Ingress, string LiveHost, string VerificationHost);

/// <summary>What <c>Restore-WildApp</c> did: where the restored copy runs and how to look at it before switching.</summary>
public sealed record AppRestoreResult
{
    public required string Instance { get; init; }
    public required string App { get; init; }
    public required string FromInstance { get; init; }
    public required string BackupLocation { get; init; }
    public DateTimeOffset? BackupCreatedAt { get; init; }
    /// <summary>The namespace the restored copy runs in (<c>{app}-restore</c>, or <c>{app}</c> when the app lives in
    /// <c>{app}-restore</c> after an earlier switch).</summary>
    public required string Namespace { get; init; }
    /// <summary>The namespace of the live app, which kept running.</summary>
    public required string LiveNamespace { get; init; }
    /// <summary><c>apps/{app}-restore</c>: the restored app directory.</summary>
    public required string Directory { get; init; }
    public IReadOnlyList<RestoredVolume> Volumes { get; init; } = [];
    public IReadOnlyList<RestoredHost> Hosts { get; init; } = [];
    /// <summary>The objects applied, as "Kind name".</summary>
    public IReadOnlyList<string> Objects { get; init; } = [];
    /// <summary>The app's config.yaml and secrets.yaml sections, merged from the backup once the copy was ready.</summary>
    public IReadOnlyList<RestoredItem> Config { get; init; } = [];
    public IReadOnlyList<ObjectHealth> Health { get; init; } = [];
}

/// <summary>What <c>Switch-WildRestore</c> did.</summary>
public sealed record RestoreSwitchResult
{
    public required string Instance { get; init; }
    public required string App { get; init; }
    /// <summary>The namespace the app now runs in (the restored copy's).</summary>
    public required string Namespace { get; init; }
    /// <summary>The previous live namespace, still running until cleanup (null when there was no live app).</summary>
    public string? OldNamespace { get; init; }
    /// <summary>Where the directories are now: <c>apps/{app}</c> (restored) and <c>apps/{app}-old</c>.</summary>
    public required string Directory { get; init; }
    public string? OldDirectory { get; init; }
    /// <summary>The hosts now served by the restored copy.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];
}

/// <summary>What <c>Complete-WildRestore</c> did.</summary>
public sealed record RestoreCleanupResult
{
    public required string Instance { get; init; }
    public required string App { get; init; }
    /// <summary>Namespaces deleted (the old one; with DiscardRestore, the unswitched restored copy's).</summary>
    public IReadOnlyList<string> DeletedNamespaces { get; init; } = [];
    public IReadOnlyList<string> RemovedDirectories { get; init; } = [];
}

/// <summary>Where an app is in the blue-green cycle.</summary>
public enum RestoreState
{
    /// <summary>No restore in progress: only <c>apps/{app}</c>.</summary>
    None,
    /// <summary>A restored copy runs beside the live app (<c>apps/{app}-restore</c>); switch or discard it.</summary>
    RestoredAwaitingSwitch,
    /// <summary>Switched; the old deployment still runs (<c>apps/{app}-old</c>) until cleanup.</summary>
    SwitchedAwaitingCleanup,
    /// <summary>A switch stopped half-way; running the switch again completes it.</summary>
    SwitchInterrupted,
}

/// <summary><c>GET …/restore/status</c>: the app's blue-green state, its namespaces and their health.</summary>
public sealed record AppRestoreStatus
{
    public required string Instance { get; init; }
    public required string App { get; init; }
    public required RestoreState State { get; init; }
    public string? LiveNamespace { get; init; }
    public string? RestoreNamespace { get; init; }
    public string? OldNamespace { get; init; }
    public bool LiveDirectory { get; init; }
    public bool RestoreDirectory { get; init; }
    public bool OldDirectory { get; init; }
    /// <summary>Health of the namespace that matters now: the restored copy's before a switch, the live app's after.</summary>
    public string? CheckedNamespace { get; init; }
    public bool? Healthy { get; init; }
    public IReadOnlyList<ObjectHealth> Health { get; init; } = [];
    /// <summary>Whether the namespaces exist on the cluster (name → exists).</summary>
    public IReadOnlyDictionary<string, bool> Namespaces { get; init; } = new Dictionary<string, bool>();
    /// <summary>Why the cluster could not be checked, when it could not.</summary>
    public string? ClusterProblem { get; init; }
    /// <summary>The latest restore_app / restore_switch / restore_cleanup operation of the app (filled by front ends
    /// that keep operations), in the operations' own JSON shape.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(OperationRecordConverter))]
    public Operations.OperationRecord? LastOperation { get; init; }
}

/// <summary>Writes an operation record nested in another result in the operations' own (daemon) JSON shape.</summary>
public sealed class OperationRecordConverter : System.Text.Json.Serialization.JsonConverter<Operations.OperationRecord>
{
    public override Operations.OperationRecord? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        System.Text.Json.JsonSerializer.Deserialize<Operations.OperationRecord>(ref reader, Operations.OperationRecord.Json);

    public override void Write(System.Text.Json.Utf8JsonWriter writer, Operations.OperationRecord value, System.Text.Json.JsonSerializerOptions options) =>
        System.Text.Json.JsonSerializer.Serialize(writer, value, Operations.OperationRecord.Json);
}
