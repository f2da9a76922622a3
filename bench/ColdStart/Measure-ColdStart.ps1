#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Cold start of the module in a fresh pwsh: the first command a person types, JIT module beside ReadyToRun module.
.DESCRIPTION
    Publishes the module twice from this checkout — as IL only (JIT at first use, as ./build.ps1 ships it) and
    ReadyToRun (precompiled for this platform) — then times, in fresh pwsh processes, alternating the two builds run by run:
        pwsh (no module)         pwsh -NoProfile -c 'exit'                                   the floor: pwsh itself
        Get-WildBackup           Import-Module …; Get-WildBackup (5 app backups + cluster)
        first Backup-WildApp     Import-Module …; Backup-WildApp gitea (configuration; the cluster is looked for)
    and prints the median and fastest wall time and the median CPU time (user + system) of each. Results:
    docs/PERFORMANCE.md, "Issue 14".
        pwsh bench/ColdStart/Measure-ColdStart.ps1 [-Runs 9]
#>
[CmdletBinding()]
param([int]$Runs = 9)
$ErrorActionPreference = 'Stop'
$repo = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))
$work = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'wildbackup-coldstart-' + [guid]::NewGuid().ToString('N'))
$pwsh = [IO.Path]::Combine($PSHOME, 'pwsh')

function Publish([string]$Name, [string[]]$Extra) {
    $out = [IO.Path]::Combine($work, $Name)
    & dotnet publish ([IO.Path]::Combine($repo, 'src', 'Wild.Backup.PowerShell')) -c Release -o $out --nologo -v q @Extra | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "publish ($Name) failed" }
    [IO.Path]::Combine($out, 'WildBackup.psd1')
}

try {
    # JIT: the module as ./build.ps1 builds it (IL only). ReadyToRun: precompiled for this platform.
    $jit = Publish 'jit' @()
    $r2r = Publish 'r2r' @('-r', [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier, '--self-contained', 'false', '-p:PublishReadyToRun=true')
    # A sample instance with a backup of every app and the cluster, in a fresh directory.
    $data = [IO.Path]::Combine($work, 'data'); $dest = [IO.Path]::Combine($work, 'nas')
    [void][IO.Directory]::CreateDirectory($dest)
    & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$jit'; [void][Wild.Backup.Core.Samples.SampleInstance]::Write('$data', 'demo-cloud', 1); `$null = Backup-WildApp -All -DataDir '$data' -Destination '$dest' -WarningAction SilentlyContinue; `$null = Backup-WildCluster -DataDir '$data' -Destination '$dest'"

    $cases = [ordered]@{
        'pwsh (no module)'     = { param($m) 'exit' }
        'Get-WildBackup'       = { param($m) "Import-Module '$m'; `$null = Get-WildBackup -DataDir '$data' -Destination '$dest'" }
        'first Backup-WildApp' = { param($m) "Import-Module '$m'; `$null = Backup-WildApp gitea -DataDir '$data' -Destination '$dest' -WarningAction SilentlyContinue" }
    }
    $times = @{}
    for ($i = 0; $i -lt $Runs; $i++) {
        foreach ($case in $cases.Keys) {
            foreach ($build in @(@{ Name = 'JIT'; Path = $jit }, @{ Name = 'ReadyToRun'; Path = $r2r })) {
                if ($case -eq 'pwsh (no module)' -and $build.Name -eq 'ReadyToRun') { continue }
                $command = & $cases[$case] $build.Path
                # bash's time: wall clock, and the CPU the pwsh process used (user + system), which a busy machine
                # disturbs far less than the wall clock.
                $t = & bash -c 'TIMEFORMAT="%R %U %S"; { time "$0" -NoProfile -NonInteractive -Command "$1" >/dev/null; } 2>&1' $pwsh $command
                if ($LASTEXITCODE -ne 0) { throw "$case ($($build.Name)) failed: $t" }
                $real, $user, $sys = "$t".Trim().Split(' ') | ForEach-Object { [double]::Parse($_, [Globalization.CultureInfo]::InvariantCulture) }
                $key = "$case|$($build.Name)"
                if (-not $times.ContainsKey($key)) { $times[$key] = @{ Wall = [Collections.Generic.List[double]]::new(); Cpu = [Collections.Generic.List[double]]::new() } }
                $times[$key].Wall.Add($real * 1000)
                $times[$key].Cpu.Add(($user + $sys) * 1000)
            }
        }
    }
    function Median($list) { $s = $list | Sort-Object; $s[[int][Math]::Floor($s.Count / 2)] }
    "| {0} | {1} | {2} | {3} | {4} |" -f 'command', 'module', 'wall median ms', 'wall best ms', 'CPU median ms'
    foreach ($key in $times.Keys | Sort-Object) {
        $case, $build = $key.Split('|')
        "| {0} | {1} | {2:N0} | {3:N0} | {4:N0} |" -f $case, $(if ($case -eq 'pwsh (no module)') { '-' } else { $build }), (Median $times[$key].Wall), ($times[$key].Wall | Sort-Object | Select-Object -First 1), (Median $times[$key].Cpu)
    }
    "runs: $Runs each, alternating; machine: $([Environment]::ProcessorCount) cores, load average $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ')"
}
finally {
    if ([IO.Directory]::Exists($work)) { [IO.Directory]::Delete($work, $true) }
}
