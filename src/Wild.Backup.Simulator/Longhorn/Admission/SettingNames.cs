using System.Globalization;
using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>One Longhorn setting the simulator creates: its default and how its value is checked (null: valid).</summary>
internal sealed record SettingDefinition(string Default, Func<string, string?> Check);

/// <summary>The Longhorn settings the simulator serves (names and defaults of longhorn-manager's types/setting.go;
/// <c>default-backup-block-size</c> only from v1.10).</summary>
internal static class SettingNames
{
    public const string BackupCompressionMethod = "backup-compression-method";
    public const string BackupConcurrentLimit = "backup-concurrent-limit";
    public const string RestoreConcurrentLimit = "restore-concurrent-limit";
    public const string DefaultReplicaCount = "default-replica-count";
    public const string DefaultBackupBlockSize = "default-backup-block-size";
    public const string DefaultDataLocality = "default-data-locality";
    public const string ConcurrentBackupRestorePerNodeLimit = "concurrent-volume-backup-restore-per-node-limit";

    /// <summary>The settings of <paramref name="version"/>.</summary>
    public static IReadOnlyDictionary<string, SettingDefinition> For(LonghornVersion version) =>
        version.HasBackupBlockSize ? Definitions : Definitions.Where(d => d.Key != DefaultBackupBlockSize).ToDictionary(StringComparer.Ordinal);

    /// <summary>Every setting the simulator knows (v1.10's list).</summary>
    public static IReadOnlyDictionary<string, SettingDefinition> Definitions { get; } = new Dictionary<string, SettingDefinition>(StringComparer.Ordinal)
    {
        [BackupCompressionMethod] = new(CompressionMethods.Default, Choice("none", "lz4", "gzip")),
        [BackupConcurrentLimit] = new("2", Int(1, 100)),
        [RestoreConcurrentLimit] = new("2", Int(1, 100)),
        [DefaultReplicaCount] = new("3", Int(1, 20)),
        [DefaultBackupBlockSize] = new("2", Choice("2", "16")),
        [DefaultDataLocality] = new("disabled", Choice("disabled", "best-effort", "strict-local")),
        [ConcurrentBackupRestorePerNodeLimit] = new("5", Int(0, 1000)),
    };

    private static Func<string, string?> Choice(params string[] choices) =>
        v => choices.Contains(v, StringComparer.Ordinal) ? null : $"value {v} is not a valid choice, available choices [{string.Join(' ', choices)}]";

    private static Func<string, string?> Int(int min, int max) =>
        v => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? null
            : $"value {v} should be an integer between {min} and {max}";
}
