# The built-in default run (README): a sample Wild Cloud instance backed up to a local directory, verified, listed.
param([string]$Out = [IO.Path]::Combine([Environment]::CurrentDirectory, 'wildbackup-demo'))

$data = [IO.Path]::Combine($Out, 'data')
$dest = [IO.Path]::Combine($Out, 'backups')
[void][IO.Directory]::CreateDirectory($dest)
if (-not [IO.Directory]::Exists([IO.Path]::Combine($data, 'instances', 'demo-cloud'))) {
    "Writing a sample instance 'demo-cloud' to $data"
    [void][Wild.Backup.Core.Samples.SampleInstance]::Write($data, 'demo-cloud', $null)
}
$env:WILD_DATA_DIR = $data
$env:WILD_BACKUP_DEST = $dest

"`n== Apps of demo-cloud"
Get-WildApp | Out-Default

"== Backing up every app, then the cluster, to $dest"
Get-WildApp | Backup-WildApp | Out-Default
Backup-WildCluster | Out-Default

"== Verifying every backup against its backup.json"
$tests = Test-WildBackup
$tests | Out-Default
if (@($tests | Where-Object { -not $_.Passed }).Count -gt 0) { throw 'A backup failed verification.' }

"== What is on the destination"
$entries = [IO.Directory]::GetFileSystemEntries($dest, '*', [IO.SearchOption]::AllDirectories)
[Array]::Sort($entries, [StringComparer]::Ordinal)
foreach ($f in $entries) {
    $rel = [IO.Path]::GetRelativePath($dest, $f)
    if ([IO.Directory]::Exists($f)) { "  $rel/" } else { '  {0,-60} {1,10:N0} bytes' -f $rel, ([IO.FileInfo]::new($f)).Length }
}
"`nDone. Run it again: each backup is replaced by the new one (latest only), the previous kept until the new one verified."
