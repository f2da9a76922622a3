using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Provisioning;

namespace Wild.Backup.Simulator.Longhorn.Csi;

/// <summary>
/// Longhorn's CSI node plugin, NodeStageVolume (csi/node_server.go): the device's format decides. An encrypted volume
/// (<c>spec.encrypted</c>) needs the passphrase (<c>CRYPTO_KEY_VALUE</c>, provider <c>secret</c>) from the PV's
/// <c>nodeStageSecretRef</c>; a blank device is formatted as LUKS2 (<see cref="LuksHeader"/>), an existing LUKS device
/// is opened — with the passphrase it was formatted with. A volume that is not encrypted but holds a LUKS device (an
/// encrypted volume's backup restored into a plain volume) cannot be mounted as a filesystem. The simulated LUKS header
/// is the real magic and version at offset 0 plus a SHA-256 of the passphrase; the data behind it is not enciphered.
/// </summary>
internal sealed class LonghornCsiNode(LonghornStore store, LonghornDataPlane plane) : ICsiNode
{
    public string Driver => VolumeUsage.Driver;

    public async Task StageAsync(JsonObject persistentVolume, IReadOnlyDictionary<string, string> secrets, CancellationToken ct)
    {
        var volumeId = persistentVolume.Str("spec", "csi", "volumeHandle") ?? "";
        var volume = store.Get(LonghornKube.Volumes, volumeId)
            ?? throw new CsiNodeException("NotFound", $"volume {volumeId} not found");
        var header = await LuksHeader.ReadAsync(plane, volumeId, ct).ConfigureAwait(false);
        var fsType = persistentVolume.Str("spec", "csi", "fsType") is { Length: > 0 } f ? f : "ext4";
        if (volume.Bool("spec", "encrypted") != true)
        {
            if (header is not null)
                throw new CsiNodeException("Internal", $"failed to mount the volume as \"{fsType}\", it already contains crypto_LUKS. Mount error: mount failed: exit status 32");
            return;
        }
        var provider = secrets.GetValueOrDefault("CRYPTO_KEY_PROVIDER") ?? "";
        var passphrase = secrets.GetValueOrDefault("CRYPTO_KEY_VALUE") ?? "";
        if (provider.Length > 0 && provider != "secret")
            throw new CsiNodeException("InvalidArgument", $"unsupported key provider {provider} for encrypted volume {volumeId}");
        if (passphrase.Length == 0) throw new CsiNodeException("InvalidArgument", $"missing passphrase for encrypted volume {volumeId}");
        if (header is null)
        {
            await LuksHeader.WriteAsync(plane, volumeId, passphrase, ct).ConfigureAwait(false);
            return;
        }
        if (!header.Value.Opens(passphrase))
            throw new CsiNodeException("Internal", $"failed to open volume {volumeId}: No key available with this passphrase.");
    }
}

/// <summary>The simulated LUKS2 header at the start of an encrypted volume's device (16 MiB, Longhorn's LUKS2 header size:
/// types.go crypto.Luks2MinimalVolumeSize); applications see the device after it.</summary>
internal readonly record struct LuksHeader(byte[] PassphraseHash)
{
    /// <summary>Where the decrypted device starts: the LUKS2 header size.</summary>
    public const long Size = 16L * 1024 * 1024;

    // "LUKS\xba\xbe" and version 2, as cryptsetup writes them.
    private static readonly byte[] Magic = [0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0x00, 0x02];

    public bool Opens(string passphrase) => CryptographicOperations.FixedTimeEquals(PassphraseHash, Hash(passphrase));

    public static async Task<LuksHeader?> ReadAsync(LonghornDataPlane plane, string volume, CancellationToken ct)
    {
        var buffer = new byte[Magic.Length + 32];
        await plane.ReadAsync(volume, 0, buffer, ct).ConfigureAwait(false);
        return buffer.AsSpan(0, Magic.Length).SequenceEqual(Magic) ? new LuksHeader(buffer[Magic.Length..]) : null;
    }

    public static Task WriteAsync(LonghornDataPlane plane, string volume, string passphrase, CancellationToken ct) =>
        plane.WriteAsync(volume, 0, (byte[])[.. Magic, .. Hash(passphrase)], ct);

    private static byte[] Hash(string passphrase) => SHA256.HashData(Encoding.UTF8.GetBytes("wild-simulator-luks:" + passphrase));
}
