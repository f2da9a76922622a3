using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Where Longhorn's block store keeps things below a backup target's root (longhorn/backupstore
/// <c>config.go</c>, <c>util.go</c>, <c>lock.go</c>):
/// <code>
/// backupstore/volumes/&lt;h[0:2]&gt;/&lt;h[2:4]&gt;/&lt;volume&gt;/volume.cfg
///                                          backups/backup_&lt;name&gt;.cfg
///                                          blocks/&lt;c[0:2]&gt;/&lt;c[2:4]&gt;/&lt;c&gt;.blk
///                                          locks/lock-&lt;16 hex&gt;.lck
/// </code>
/// h = <see cref="BlockChecksum.Of(string)"/> of the volume name, c = the checksum of the uncompressed block.
/// Paths are store paths ('/'-separated, relative to the target root).
/// </summary>
public static class BlockStorePaths
{
    public const string Base = "backupstore";
    public const string VolumesDirectory = Base + "/volumes";
    public const string VolumeConfigFile = "volume.cfg";
    public const string BackupsDirectoryName = "backups";
    public const string BlocksDirectoryName = "blocks";
    public const string LocksDirectoryName = "locks";
    public const string BackupConfigPrefix = "backup_";
    public const string ConfigSuffix = ".cfg";
    public const string BlockSuffix = ".blk";
    public const string LockSuffix = ".lck";

    // util.ValidateName: the names Longhorn accepts for volumes, backups, locks and blocks.
    private static readonly Regex ValidName = new("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", RegexOptions.CultureInvariant);

    /// <summary>True when Longhorn would accept <paramref name="name"/> as a volume, backup or lock name.</summary>
    public static bool IsValidName(string? name) => name is not null && name.Length <= 255 && ValidName.IsMatch(name);

    /// <summary>Throws InvalidInputException unless <paramref name="name"/> is a valid Longhorn name.</summary>
    public static string RequireValidName(string? name, string what)
    {
        if (!IsValidName(name))
            throw new InvalidInputException("InvalidLonghornName", $"'{name}' is not a valid Longhorn {what} name (letters, digits, '_', '.', '-'; at least 2 characters).");
        return name!;
    }

    /// <summary><c>backupstore/volumes/47/e3/vol</c> for "vol".</summary>
    public static string VolumeDirectory(string volumeName)
    {
        RequireValidName(volumeName, "volume");
        var h = BlockChecksum.Of(Encoding.UTF8.GetBytes(volumeName));
        return $"{VolumesDirectory}/{h[..2]}/{h[2..4]}/{volumeName}";
    }

    public static string VolumeConfig(string volumeName) => VolumeDirectory(volumeName) + "/" + VolumeConfigFile;

    public static string BackupsDirectory(string volumeName) => VolumeDirectory(volumeName) + "/" + BackupsDirectoryName;

    public static string BackupConfigFileName(string backupName) =>
        BackupConfigPrefix + RequireValidName(backupName, "backup") + ConfigSuffix;

    public static string BackupConfig(string volumeName, string backupName) =>
        BackupsDirectory(volumeName) + "/" + BackupConfigFileName(backupName);

    public static string BlocksDirectory(string volumeName) => VolumeDirectory(volumeName) + "/" + BlocksDirectoryName;

    public static string Block(string volumeName, string checksum)
    {
        BlockChecksum.Require(checksum);
        return $"{BlocksDirectory(volumeName)}/{checksum[..2]}/{checksum[2..4]}/{checksum}{BlockSuffix}";
    }

    public static string LocksDirectory(string volumeName) => VolumeDirectory(volumeName) + "/" + LocksDirectoryName;

    public static string Lock(string volumeName, string lockName) =>
        LocksDirectory(volumeName) + "/" + RequireValidName(lockName, "lock") + LockSuffix;

    /// <summary>Longhorn's <c>ExtractNames</c>: the part between prefix and suffix when the file name has both and
    /// the rest is a valid name; null otherwise (temporary files <c>x.cfg.tmp.123</c> never match).</summary>
    public static string? ExtractName(string fileName, string prefix, string suffix)
    {
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal) || !fileName.EndsWith(suffix, StringComparison.Ordinal)) return null;
        if (fileName.Length < prefix.Length + suffix.Length) return null;
        var name = fileName.Substring(prefix.Length, fileName.Length - prefix.Length - suffix.Length);
        return IsValidName(name) ? name : null;
    }

    /// <summary>The temporary name Longhorn writes a file under before renaming it into place: <c>&lt;dst&gt;.tmp.&lt;unixnano&gt;</c>.</summary>
    public static string TemporaryFor(string destination, DateTimeOffset now) =>
        destination + ".tmp." + ToUnixNanoseconds(now).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static long ToUnixNanoseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}

/// <summary>Longhorn's checksum (util.GetChecksum): hex SHA-512, first 64 characters, lower case.</summary>
public static class BlockChecksum
{
    public const int Length = 64;

    public static string Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[64];
        SHA512.HashData(data, hash);
        return Convert.ToHexString(hash[..(Length / 2)]).ToLowerInvariant();
    }

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    public static bool IsValid(string? checksum)
    {
        if (checksum is null || checksum.Length != Length) return false;
        foreach (var c in checksum)
        {
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        }
        return true;
    }

    public static string Require(string? checksum)
    {
        if (!IsValid(checksum))
            throw new CorruptBackupException("LonghornBadChecksum", $"'{checksum}' is not a Longhorn block checksum (64 lower-case hex characters).");
        return checksum!;
    }
}
