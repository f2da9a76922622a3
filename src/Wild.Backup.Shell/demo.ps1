# The built-in default run (README): a sample Wild Cloud instance on a simulated cluster (Kubernetes API + Longhorn),
# its apps deployed with data in their volumes; every app and the cluster backed up to a local directory and verified;
# then gitea restored blue-green next to the live app, checked, switched over, and the old copy removed.
param([string]$Out = [IO.Path]::Combine([Environment]::CurrentDirectory, 'wildbackup-demo'), [string]$LonghornVersion = '1.8')
$ErrorActionPreference = 'Stop'

$data = [IO.Path]::Combine($Out, 'data')
$dest = [IO.Path]::Combine($Out, 'backups')
$longhornTarget = [IO.Path]::Combine($Out, 'longhorn-backupstore')
$instance = [IO.Path]::Combine($data, 'instances', 'demo-cloud')
[void][IO.Directory]::CreateDirectory($dest)
if (-not [IO.Directory]::Exists($instance)) {
    "Writing a sample instance 'demo-cloud' to $data"
    [void][Wild.Backup.Core.Samples.SampleInstance]::Write($data, 'demo-cloud', $null)
}
$env:WILD_DATA_DIR = $data
$env:WILD_BACKUP_DEST = $dest

"`n== Starting a simulated cluster for demo-cloud: Kubernetes API and Longhorn (backup target: $longhornTarget)"
$cluster = [Wild.Backup.Shell.DemoCluster]::Start($instance, $longhornTarget, $LonghornVersion)
try {
    "   API server $($cluster.ApiServer); kubeconfig written to $instance/kubeconfig; Longhorn behaves like $($cluster.LonghornRelease)"

    "`n== Deploying the apps (as 'wild app deploy' does) and writing data into their volumes"
    $apps = Get-WildApp
    $apps | Out-Default
    $stamp = [DateTime]::UtcNow.ToString('u')
    $written = @{}
    foreach ($app in $apps) {
        $cluster.Deploy($app.Name)
        $claim = if ($app.Name -in 'postgres', 'redis') { "data-$($app.Name)-0" } else { "$($app.Name)-data" }
        $text = "$($app.Name) data written $stamp"
        $cluster.WriteText($app.Namespace, $claim, $text)
        $written[$app.Name] = @{ Claim = $claim; Text = $text }
        "   $($app.Name): ready in namespace $($app.Namespace); wrote '$text' to $claim"
    }

    "`n== Backing up every app (configuration and Longhorn volumes), then the cluster, to $dest"
    $apps | Backup-WildApp | Out-Default
    Backup-WildCluster | Out-Default

    "== Verifying every backup against its backup.json"
    $tests = Test-WildBackup
    $tests | Out-Default
    if (@($tests | Where-Object { -not $_.Passed }).Count -gt 0) { throw 'A backup failed verification.' }

    "== The app changes after the backup (this is what a restore undoes)"
    $gitea = $written['gitea']
    $live = (Get-WildApp gitea).Namespace
    $cluster.WriteText($live, $gitea.Claim, 'gitea data after the backup: lost by mistake')
    "   ${live}/$($gitea.Claim) now holds: '$($cluster.ReadText($live, $gitea.Claim))'"

    "`n== Restoring gitea blue-green: a second copy from the backup, next to the live app"
    $restore = Restore-WildApp gitea
    $restore | Out-Default
    Get-WildRestore gitea | Out-Default
    $restored = $cluster.ReadText($restore.Namespace, $gitea.Claim)
    "   $($restore.Namespace)/$($gitea.Claim) holds: '$restored'"
    if ($restored -ne $gitea.Text) { throw "The restored volume holds '$restored', not what was backed up ('$($gitea.Text)')." }
    "   The live app in '$live' was not touched: '$($cluster.ReadText($live, $gitea.Claim))'"

    "`n== Switching gitea's hosts to the restored copy, then removing the old one"
    Switch-WildRestore gitea -Confirm:$false | Out-Default
    Complete-WildRestore gitea -Confirm:$false | Out-Default
    $status = Get-WildRestore gitea
    $status | Out-Default
    "   gitea now runs in '$($status.LiveNamespace)' with: '$($cluster.ReadText($status.LiveNamespace, $gitea.Claim))'"
}
finally {
    $cluster.Dispose()
}

"`n== What is on the backup destination"
$entries = [IO.Directory]::GetFileSystemEntries($dest, '*', [IO.SearchOption]::AllDirectories)
[Array]::Sort($entries, [StringComparer]::Ordinal)
foreach ($f in $entries) {
    $rel = [IO.Path]::GetRelativePath($dest, $f)
    if ([IO.Directory]::Exists($f)) { "  $rel/" } else { '  {0,-60} {1,10:N0} bytes' -f $rel, ([IO.FileInfo]::new($f)).Length }
}
"`n== Longhorn's backup store (on a real instance: the same NFS share): the volumes' deduplicated blocks"
$store = [IO.Path]::Combine($longhornTarget, 'backupstore')
if ([IO.Directory]::Exists($store)) {
    $files = [IO.Directory]::GetFiles($store, '*', [IO.SearchOption]::AllDirectories)
    $blocks = @($files | Where-Object { $_.EndsWith('.blk') })
    $bytes = 0; foreach ($b in $blocks) { $bytes += [IO.FileInfo]::new($b).Length }
    '  {0} backup volumes (one per Longhorn volume ever backed up here), {1} backups (the latest of each), {2} blocks ({3:N0} bytes) under {4}' -f @($files | Where-Object { $_.EndsWith('volume.cfg') }).Count,
        @($files | Where-Object { [IO.Path]::GetFileName($_).StartsWith('backup_') }).Count, $blocks.Count, $bytes, $store
}
"`nDone. Run it again: each backup is replaced by the new one (latest only), the previous kept until the new one verified;"
"the next restore of gitea goes to the namespace the last one left free (blue-green alternates)."
