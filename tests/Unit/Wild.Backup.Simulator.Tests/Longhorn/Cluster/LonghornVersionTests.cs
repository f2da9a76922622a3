using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>One simulated cluster per Longhorn version (1.7, 1.8, 1.9, 1.10), started together.</summary>
public sealed class VersionClusters : IAsyncLifetime
{
    private readonly Dictionary<string, LonghornCluster> _clusters = new(StringComparer.Ordinal);

    public LonghornCluster this[string version] => _clusters[version];

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(LonghornVersion.All.Select(v => LonghornCluster.StartAsync(Options(v))));
        foreach (var (v, c) in LonghornVersion.All.Zip(started)) _clusters[v.ToString()] = c;
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clusters.Values) await c.DisposeAsync();
    }
}

/// <summary>
/// The behaviours that differ between Longhorn versions (docs/TESTING.md's fidelity table), each on the versions that
/// have it, as the product meets them through the API: the Backup webhooks, detached volumes, restores from Backups a
/// sync just pulled in, sync requests, deletion, the Unknown state, pruned fields and refused volumes, encryption.
/// </summary>
public sealed class LonghornVersionTests(VersionClusters clusters) : IClassFixture<VersionClusters>
{
    private const int MiB = 1024 * 1024;

    public static TheoryData<string> Versions => new() { "1.7", "1.8", "1.9", "1.10" };

    private static Task<LhBackup> CreateBareBackupAsync(LonghornCluster lh, string name, string snapshot) =>
        lh.Backups.CreateNamespacedAsync(new LhBackup { Metadata = new V1ObjectMeta { Name = name }, Spec = new LhBackup.SpecT { SnapshotName = snapshot } }, Ns);

    /// <summary>A 16Mi claim with data from <paramref name="seed"/> and a ready snapshot of its volume.</summary>
    private static async Task<(string Volume, string Snapshot)> SnapshotOfNewClaimAsync(LonghornCluster lh, string ns, int seed)
    {
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed);
        var snapshot = Unique("snap");
        await lh.SnapshotAsync(volume, snapshot);
        return (volume, snapshot);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_backup_without_the_backup_volume_label_is_a_webhook_500_before_1_10_and_labelled_by_1_10(string version)
    {
        var lh = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotOfNewClaimAsync(lh, ns, seed: 1);
        var name = Unique("backup");
        if (LonghornVersion.Parse(version).Minor < 10)
        {
            var failed = await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => CreateBareBackupAsync(lh, name, snapshot));
            Assert.Equal("InternalError", failed.Reason);
            Assert.Equal("Internal error occurred: failed calling webhook \"mutator.longhorn.io\": failed to call webhook: Post \"https://longhorn-admission-webhook.longhorn-system.svc:9502/v1/webhook/mutation?timeout=10s\": EOF", failed.Message);
            Assert.DoesNotContain((await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items, b => b.Metadata.Name == name);
        }
        else
        {
            var created = await CreateBareBackupAsync(lh, name, snapshot);
            Assert.Equal(volume, created.Metadata.Labels["backup-volume"]);
            Assert.Equal("Completed", (await lh.WaitBackupFinalAsync(name)).Status!.State);
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task The_backup_target_label_and_status_field_exist_from_1_8(string version)
    {
        var lh = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed: 2);
        var done = await lh.BackupAsync(volume, Unique("backup"));
        var v = LonghornVersion.Parse(version);
        Assert.Equal(v.HasBackupTargetName ? "default" : null, done.Metadata.Labels.TryGetValue("backup-target", out var t) ? t : null);
        Assert.Equal(v.HasBackupTargetName ? "default" : "", done.Status!.BackupTargetName);
        var bvs = (await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns)).Items;
        // v1.7 names a BackupVolume after its volume; v1.8+ <volume>-<8 hex>, found by label.
        Assert.Contains(bvs, bv => v.HasBackupTargetName
            ? bv.Metadata.Labels is { } l && l.TryGetValue("backup-volume", out var bvl) && bvl == volume && bv.Metadata.Name.StartsWith(volume + "-", StringComparison.Ordinal)
            : bv.Metadata.Name == volume);
    }

    [Theory]
    [InlineData("1.9")]
    [InlineData("1.10")]
    public async Task While_the_target_is_unavailable_1_9_and_1_10_refuse_a_backup(string version)
    {
        var lh = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotOfNewClaimAsync(lh, ns, seed: 3);
        lh.Longhorn.Faults.ForTarget("default").Unavailable = true;
        try
        {
            await lh.WaitTargetAsync(t => t.Status?.Available == false, "unavailable");
            var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => lh.CreateBackupAsync(Unique("backup"), snapshot));
            Assert.Equal("admission webhook \"validator.longhorn.io\" denied the request: backup target default is not available", refused.Message);
        }
        finally
        {
            lh.Longhorn.Faults.ForTarget("default").Unavailable = false;
        }
        await lh.WaitTargetAsync(t => t.Status?.Available == true, "available again");
    }

    [Fact]
    public async Task On_1_10_a_backup_target_label_other_than_the_volumes_target_is_refused()
    {
        var lh = clusters["1.10"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotOfNewClaimAsync(lh, ns, seed: 11);
        var other = Unique("other");
        Directory.CreateDirectory(Path.Combine(lh.Longhorn.TargetDirectory, other));
        await lh.BackupTargets.CreateNamespacedAsync(new LhBackupTarget
        {
            Metadata = new V1ObjectMeta { Name = other },
            Spec = new LhBackupTarget.SpecT { BackupTargetUrl = $"{lh.Longhorn.BackupTargetUrl}/{other}", CredentialSecret = "", PollInterval = "0s" },
        }, Ns);
        await lh.WaitTargetAsync(t => t.Status?.Available == true, "second target available", other);
        var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => lh.Backups.CreateNamespacedAsync(new LhBackup
        {
            Metadata = new V1ObjectMeta { Name = Unique("backup"), Labels = new Dictionary<string, string> { ["backup-volume"] = volume, ["backup-target"] = other } },
            Spec = new LhBackup.SpecT { SnapshotName = snapshot },
        }, Ns));
        Assert.Equal($"admission webhook \"validator.longhorn.io\" denied the request: volume backup target default and label backup target {other} does not match", refused.Message);
        await lh.BackupTargets.DeleteNamespacedAsync<LhBackupTarget>(Ns, other);
    }

    [Fact]
    public async Task On_1_10_a_volume_size_must_be_a_multiple_of_its_backup_block_size()
    {
        var lh = clusters["1.10"];
        using var raw = new RawApi(lh.Cluster);
        var response = await raw.SendAsync(HttpMethod.Post, $"/apis/longhorn.io/v1beta2/namespaces/{Ns}/volumes", new JsonObject
        {
            ["apiVersion"] = "longhorn.io/v1beta2",
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = Unique("vol") },
            ["spec"] = new JsonObject { ["size"] = (18 * MiB).ToString(CultureInfo.InvariantCulture), ["backupBlockSize"] = "16777216", ["frontend"] = "blockdev" },
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains("is not a multiple of the backup block size 16777216", response.Json["message"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_snapshot_of_a_detached_volume_reports_the_engine_error_until_the_volume_is_attached(string version)
    {
        var lh = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed: 4);
        Assert.Equal("detached", (await lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volume)).Status!.State);
        var name = Unique("snap");
        var rv = (await lh.Snapshots.ListNamespacedAsync<LonghornList<LhSnapshot>>(Ns)).Metadata.ResourceVersion;
        await lh.Snapshots.CreateNamespacedAsync(new LhSnapshot { Metadata = new V1ObjectMeta { Name = name }, Spec = new LhSnapshot.SpecT { Volume = volume, CreateSnapshot = true } }, Ns);

        var errors = new List<string>();
        using (var cts = new CancellationTokenSource(Wait))
        {
            await foreach (var (_, raw) in lh.Client.CustomObjects.WatchListNamespacedCustomObjectAsync("longhorn.io", "v1beta2", Ns, "snapshots",
                               fieldSelector: $"metadata.name={name}", resourceVersion: rv, cancellationToken: cts.Token))
            {
                var s = KubernetesJson.Deserialize<LhSnapshot>(KubernetesJson.Serialize(raw));
                if (s.Status?.Error is { Length: > 0 } e) errors.Add(e);
                if (s.Status?.ReadyToUse == true)
                {
                    Assert.Null(s.Status.Error);
                    break;
                }
            }
        }
        Assert.Contains($"failed to take snapshot because the volume engine {volume}-e-0 is not running. Waiting for the volume to be attached", errors);
        // The snapshot controller gives its attachment back: the volume detaches again.
        await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volume), v => v.Status?.State == "detached", "detached again", Wait);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_backup_waits_in_pending_behind_a_deletion_from_1_8_while_1_7_deletes_without_a_deleting_state(string version)
    {
        var lh = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 2 * MiB, seed: 5);
        var first = await lh.BackupAsync(volume, Unique("backup"));
        lh.Longhorn.Faults.ForVolume(volume).DeleteDelay = TimeSpan.FromSeconds(3);
        try
        {
            await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, first.Metadata.Name);
            var snapshot = Unique("snap");
            await lh.SnapshotAsync(volume, snapshot);
            var second = Unique("backup");
            await lh.CreateBackupAsync(second, snapshot);
            if (LonghornVersion.Parse(version).DeletesBackupsAsynchronously)
            {
                var waiting = $"Wait for backup {first.Metadata.Name} to be deleted";
                await lh.WaitBackupAsync(second, b => b.Status?.State == "Pending" && b.Status.Messages is { } m && m.TryGetValue("info", out var info) && info == waiting, "pending behind the deletion");
                Assert.Equal("Deleting", (await lh.Backups.ReadNamespacedAsync<LhBackup>(Ns, first.Metadata.Name)).Status!.State);
            }
            else
            {
                var deleting = await lh.Backups.ReadNamespacedAsync<LhBackup>(Ns, first.Metadata.Name);
                Assert.NotNull(deleting.Metadata.DeletionTimestamp); // held by its finalizer while the store deletion runs
                Assert.Equal("Completed", deleting.Status!.State);
            }
            Assert.Equal("Completed", (await lh.WaitBackupFinalAsync(second)).Status!.State);
            await Eventually.WaitAsync(async () => (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.All(b => b.Metadata.Name != first.Metadata.Name), "first deleted", Wait);
            Assert.False(File.Exists(lh.BackupCfgPath(volume, first.Metadata.Name)));
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).DeleteDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task On_1_7_a_failing_store_deletion_keeps_the_backup_and_its_state_until_it_succeeds()
    {
        var lh = clusters["1.7"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed: 6);
        var backup = await lh.BackupAsync(volume, Unique("backup"));
        lh.Longhorn.Faults.ForVolume(volume).DeleteError = "simulated NFS error";
        try
        {
            await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, backup.Metadata.Name);
            await Task.Delay(1500);
            var held = await lh.Backups.ReadNamespacedAsync<LhBackup>(Ns, backup.Metadata.Name);
            Assert.NotNull(held.Metadata.DeletionTimestamp);
            Assert.Equal("Completed", held.Status!.State); // v1.7 has neither Deleting nor an Error for a failed deletion
            Assert.True(File.Exists(lh.BackupCfgPath(volume, backup.Metadata.Name)));
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).DeleteError = null;
        }
        await Eventually.WaitAsync(async () => (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.All(b => b.Metadata.Name != backup.Metadata.Name), "deleted once the store answers", Wait);
        Assert.False(File.Exists(lh.BackupCfgPath(volume, backup.Metadata.Name)));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_restore_from_a_backup_a_sync_just_pulled_in_is_refused_from_1_8_and_mis_sized_on_1_7_until_its_status_is_synced(string version)
    {
        var v = LonghornVersion.Parse(version);
        var source = clusters[version];
        await using var ns = await TestNamespace.CreateAsync(source.Client);
        var volume = await source.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed: 7);
        var backup = await source.BackupAsync(volume, Unique("backup"));

        await using var fresh = await LonghornCluster.StartAsync(Options(v) with { TargetDirectory = source.Longhorn.TargetDirectory, PulledBackupStatusDelay = TimeSpan.FromSeconds(5) });
        var pulled = await Eventually.WaitAsync(async () => (await fresh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.SingleOrDefault(b => b.Metadata.Name == backup.Metadata.Name),
            b => b is not null, "the backup pulled from the store", Wait);
        Assert.Null(pulled!.Status?.LastSyncedAt);
        Assert.Equal(volume, pulled.Metadata.Labels["backup-volume"]);
        Assert.False(pulled.Metadata.Labels.ContainsKey("wildbackup.io/app"));

        var restore = new LhVolume
        {
            Metadata = new V1ObjectMeta { Name = Unique("restored") },
            Spec = new LhVolume.SpecT { FromBackup = backup.Status!.Url, Size = backup.Status.VolumeSize, NumberOfReplicas = 3, Frontend = "blockdev", DataEngine = "v1" },
        };
        if (v.HasBackupTargetName)
        {
            var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => fresh.Volumes.CreateNamespacedAsync(restore, Ns));
            Assert.StartsWith($"admission webhook \"mutator.longhorn.io\" denied the request: cannot get backup volume for backup target  and volume {volume}: ", refused.Message);
        }
        else
        {
            var misSized = await fresh.Volumes.CreateNamespacedAsync(restore, Ns);
            Assert.Equal("2097152", misSized.Spec.Size); // status.volumeSize "" → 0 → rounded up to 2 MiB
        }

        var synced = await Eventually.WaitAsync(() => fresh.Backups.ReadNamespacedAsync<LhBackup>(Ns, backup.Metadata.Name), b => b.Status?.State == "Completed", "status synced", Wait);
        Assert.Equal(backup.Status.VolumeSize, synced.Status!.VolumeSize);
        restore.Metadata.Name = Unique("restored");
        var created = await fresh.Volumes.CreateNamespacedAsync(restore, Ns);
        Assert.Equal((16L * MiB).ToString(CultureInfo.InvariantCulture), created.Spec.Size);
    }

    [Fact]
    public async Task A_sync_request_counts_only_when_strictly_after_the_last_sync_on_longhorns_clock()
    {
        var skew = TimeSpan.FromHours(1);
        await using var lh = await LonghornCluster.StartAsync(Options() with { PollInterval = TimeSpan.Zero, ClockSkew = skew });
        var first = await lh.WaitTargetAsync(t => t.Status?.LastSyncedAt is not null, "first sync");
        var synced = first.Status!.LastSyncedAt!.Value;
        Assert.True(synced > DateTime.UtcNow.AddMinutes(50), "lastSyncedAt is Longhorn's clock, an hour ahead");

        async Task<DateTime> RequestAsync(DateTime at)
        {
            var patch = new JsonObject { ["spec"] = new JsonObject { ["syncRequestedAt"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) } };
            await lh.BackupTargets.PatchNamespacedAsync<LhBackupTarget>(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Ns, "default");
            await Task.Delay(1500);
            return (await lh.BackupTargets.ReadNamespacedAsync<LhBackupTarget>(Ns, "default")).Status!.LastSyncedAt!.Value;
        }

        Assert.Equal(synced, await RequestAsync(synced));               // the same second: not after
        Assert.Equal(synced, await RequestAsync(DateTime.UtcNow));      // this machine's clock is an hour behind
        Assert.True(await RequestAsync(synced.AddSeconds(1)) > synced); // one second after the last sync: a sync
    }

    [Fact]
    public async Task A_backup_the_store_no_longer_lists_is_deleted_as_an_object_only()
    {
        var lh = clusters["1.8"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 2 * MiB, seed: 8);
        var kept = await lh.BackupAsync(volume, Unique("backup"));
        var gone = await lh.BackupAsync(volume, Unique("backup"));
        var blocks = lh.BlockFiles(volume);
        File.Delete(lh.BackupCfgPath(volume, gone.Metadata.Name)); // someone removed it from the share

        var patch = new JsonObject { ["spec"] = new JsonObject { ["syncRequestedAt"] = DateTime.UtcNow.AddSeconds(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) } };
        await lh.BackupTargets.PatchNamespacedAsync<LhBackupTarget>(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Ns, "default");
        await Eventually.WaitAsync(async () => (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.All(b => b.Metadata.Name != gone.Metadata.Name), "the missing backup's object deleted", Wait);
        Assert.NotNull(await lh.Backups.ReadNamespacedAsync<LhBackup>(Ns, kept.Metadata.Name));
        Assert.Equal(blocks.Order(), lh.BlockFiles(volume).Order()); // object only: nothing was deleted in the store
    }

    [Fact]
    public async Task Deleting_a_backup_volume_deletes_every_backup_of_it_in_the_store()
    {
        var lh = clusters["1.8"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 2 * MiB, seed: 9);
        await lh.BackupAsync(volume, Unique("backup"));
        var bv = (await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={volume}")).Items.Single();
        Assert.Contains("longhorn.io", bv.Metadata.Finalizers);
        await lh.BackupVolumes.DeleteNamespacedAsync<LhBackupVolume>(Ns, bv.Metadata.Name);
        await Eventually.WaitAsync(() => Task.FromResult(!Directory.Exists(lh.StoreVolumeDirectory(volume))), "the backup volume's data deleted", Wait);
        await Eventually.WaitAsync(async () => (await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={volume}")).Items.Count == 0, "object gone", Wait);
    }

    [Fact]
    public async Task A_backup_can_end_in_the_final_state_unknown()
    {
        var lh = clusters["1.8"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", 4096, seed: 10);
        lh.Longhorn.Faults.ForVolume(volume).UnknownBackups = true;
        try
        {
            var snapshot = Unique("snap");
            await lh.SnapshotAsync(volume, snapshot);
            var name = Unique("backup");
            await lh.CreateBackupAsync(name, snapshot);
            var done = await lh.WaitBackupAsync(name, b => b.Status?.State is "Completed" or "Error" or "Unknown", "final");
            Assert.Equal("Unknown", done.Status!.State);
            Assert.NotNull(done.Status.LastSyncedAt);
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).UnknownBackups = false;
        }
    }

    [Theory]
    [InlineData("1.7")]
    [InlineData("1.8")]
    public async Task Unknown_fields_are_dropped_and_1_7_has_no_backup_target_name(string version)
    {
        var lh = clusters[version];
        using var raw = new RawApi(lh.Cluster);
        var name = Unique("vol");
        var response = await raw.SendAsync(HttpMethod.Post, $"/apis/longhorn.io/v1beta2/namespaces/{Ns}/volumes", new JsonObject
        {
            ["apiVersion"] = "longhorn.io/v1beta2",
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["size"] = "16777216", ["numberOfReplica"] = 1, ["backupTargetName"] = "default", ["frontend"] = "blockdev" },
        }.ToJsonString());
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        var spec = response.Json["spec"]!.AsObject();
        Assert.False(spec.ContainsKey("numberOfReplica")); // misspelt: dropped, and the default replica count used
        Assert.Equal(3, (int)spec["numberOfReplicas"]!);
        Assert.Equal(version != "1.7", spec.ContainsKey("backupTargetName"));
        await lh.Volumes.DeleteNamespacedAsync<LhVolume>(Ns, name);
    }

    [Theory]
    [InlineData("rwop", "vol-ok", false, "spec.accessMode: Unsupported value: \"rwop\"")]
    [InlineData("rwo", "a-volume-name-that-is-longer-than-forty-chars", false, "volume name is too long a-volume-name-that-is-longer-than-forty-chars, must be less than 40 characters")]
    [InlineData("rwo", "vol.dotted", false, "invalid volume name")]
    [InlineData("rwo", "vol-small-encrypted", true, "invalid volume size 16777216, need to be bigger than 16MiB")]
    public async Task Longhorn_refuses_volumes_it_cannot_serve(string accessMode, string name, bool encrypted, string message)
    {
        var lh = clusters["1.8"];
        using var raw = new RawApi(lh.Cluster);
        var response = await raw.SendAsync(HttpMethod.Post, $"/apis/longhorn.io/v1beta2/namespaces/{Ns}/volumes", new JsonObject
        {
            ["apiVersion"] = "longhorn.io/v1beta2",
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["size"] = "16777216", ["accessMode"] = accessMode, ["encrypted"] = encrypted, ["frontend"] = "blockdev" },
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains(message, response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_encrypted_volume_opens_only_with_its_passphrase_and_a_plain_volume_holding_luks_cannot_be_mounted()
    {
        var lh = clusters["1.8"];
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        await lh.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "crypto" },
            StringData = new Dictionary<string, string> { ["CRYPTO_KEY_VALUE"] = "correct horse", ["CRYPTO_KEY_PROVIDER"] = "secret" },
        }, ns);
        var className = Unique("longhorn-crypto");
        await lh.Client.StorageV1.CreateStorageClassAsync(new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = className },
            Provisioner = "driver.longhorn.io",
            Parameters = new Dictionary<string, string>
            {
                ["encrypted"] = "true",
                ["numberOfReplicas"] = "3",
                ["csi.storage.k8s.io/node-stage-secret-name"] = "crypto",
                ["csi.storage.k8s.io/node-stage-secret-namespace"] = "${pvc.namespace}",
            },
        });
        await lh.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "secret-data" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = className,
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("32Mi") } },
            },
        }, ns);
        var pvc = await Eventually.WaitAsync(() => lh.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("secret-data", ns), c => c.Status.Phase == "Bound", "bound", Wait);
        var pv = await lh.Client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName);
        Assert.Equal(("crypto", ns.Name), (pv.Spec.Csi.NodeStageSecretRef.Name, pv.Spec.Csi.NodeStageSecretRef.NamespaceProperty));
        var volume = pv.Spec.Csi.VolumeHandle;
        await Assert.ThrowsAsync<Core.Errors.ConflictException>(() => lh.Longhorn.WriteAsync(ns, "secret-data", 0, new byte[] { 1 }, default)); // not opened yet
        await RunPodAsync(lh, ns, "app", "secret-data");
        await lh.Longhorn.WriteAsync(ns, "secret-data", 0, "hello"u8.ToArray(), default);
        var backup = await lh.BackupAsync(volume, Unique("backup"));

        // Restored into a plain volume: the device holds LUKS, so it cannot be mounted as ext4.
        var plain = Unique("plain");
        await RestoreAsync(lh, plain, backup, encrypted: false);
        await BindAsync(lh, ns, plain, "plain-data", secretRef: null);
        var failed = await PodFailsToMountAsync(lh, ns, "plain-app", "plain-data");
        Assert.Contains("it already contains crypto_LUKS", failed);

        // Restored encrypted, with the passphrase secret on the PV: it opens and holds the data.
        var secretVolume = Unique("enc");
        await RestoreAsync(lh, secretVolume, backup, encrypted: true);
        await BindAsync(lh, ns, secretVolume, "enc-data", secretRef: new V1SecretReference { Name = "crypto", NamespaceProperty = ns });
        await RunPodAsync(lh, ns, "enc-app", "enc-data");
        var read = new byte[5];
        await lh.Longhorn.ReadAsync(ns, "enc-data", 0, read, default);
        Assert.Equal("hello"u8.ToArray(), read);

        // Encrypted but without the secret: the passphrase is missing.
        var bare = Unique("bare");
        await RestoreAsync(lh, bare, backup, encrypted: true);
        await BindAsync(lh, ns, bare, "bare-data", secretRef: null);
        Assert.Contains($"missing passphrase for encrypted volume {bare}", await PodFailsToMountAsync(lh, ns, "bare-app", "bare-data"));
        await lh.Client.StorageV1.DeleteStorageClassAsync(className);
    }

    private static async Task RestoreAsync(LonghornCluster lh, string name, LhBackup backup, bool encrypted)
    {
        using var raw = new RawApi(lh.Cluster);
        var response = await raw.SendAsync(HttpMethod.Post, $"/apis/longhorn.io/v1beta2/namespaces/{Ns}/volumes", new JsonObject
        {
            ["apiVersion"] = "longhorn.io/v1beta2",
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["fromBackup"] = backup.Status!.Url, ["size"] = backup.Status.VolumeSize, ["encrypted"] = encrypted, ["frontend"] = "blockdev", ["numberOfReplicas"] = 3 },
        }.ToJsonString());
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, name), v => v.Status is { RestoreRequired: false, State: "detached" }, "restored", Wait);
    }

    private static async Task BindAsync(LonghornCluster lh, string ns, string volume, string claim, V1SecretReference? secretRef)
    {
        await lh.Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = volume },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("32Mi") },
                AccessModes = ["ReadWriteOnce"],
                PersistentVolumeReclaimPolicy = "Delete",
                ClaimRef = new V1ObjectReference { NamespaceProperty = ns, Name = claim },
                Csi = new V1CSIPersistentVolumeSource { Driver = "driver.longhorn.io", VolumeHandle = volume, FsType = "ext4", NodeStageSecretRef = secretRef },
            },
        });
        await lh.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = claim },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                VolumeName = volume,
                StorageClassName = "",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("32Mi") } },
            },
        }, ns);
        await Eventually.WaitAsync(() => lh.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claim, ns), c => c.Status.Phase == "Bound", "bound", Wait);
    }

    private static V1Pod PodWith(string name, string claim) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "app", Image = "busybox:1.36", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }],
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };

    private static async Task RunPodAsync(LonghornCluster lh, string ns, string name, string claim)
    {
        await lh.Client.CoreV1.CreateNamespacedPodAsync(PodWith(name, claim), ns);
        await Eventually.WaitAsync(() => lh.Client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.Phase == "Running", $"pod {name} running", Wait);
    }

    /// <summary>Starts a pod that cannot mount its claim; returns the kubelet's FailedMount message.</summary>
    private static async Task<string> PodFailsToMountAsync(LonghornCluster lh, string ns, string name, string claim)
    {
        await lh.Client.CoreV1.CreateNamespacedPodAsync(PodWith(name, claim), ns);
        var failed = await Eventually.WaitAsync(async () => (await lh.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}")).Items.FirstOrDefault(e => e.Reason == "FailedMount"),
            e => e is not null, $"FailedMount for {name}", Wait);
        var pod = await lh.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("ContainerCreating", pod.Status.ContainerStatuses.Single().State.Waiting.Reason);
        return failed!.Message;
    }
}
