#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Runs the Pester suite (tests/Pester/*.Tests.ps1) under real Pester against the built module; exits 1 on any failure.
.DESCRIPTION
    tests/run-all.sh calls this after `./build.ps1` (module in out/WildBackup) and `dotnet build WildBackup.slnx`
    (wild-api and the simulator, which some tests start). By hand:
        pwsh tests/Pester/Invoke-WildPester.ps1 -Pester ~/.nuget/packages/pester/5.7.1/tools/Pester.psd1 [-Path <file>]
#>
[CmdletBinding()]
param(
    # Pester's manifest (tests/run-all.sh restores Pester 5.7.1 through NuGet). Default: $env:WILDBACKUP_PESTER.
    [string]$Pester = $env:WILDBACKUP_PESTER,
    # The module under test. Default: out/WildBackup/WildBackup.psd1.
    [string]$Module = [IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'WildBackup', 'WildBackup.psd1'),
    # Test files or folders. Default: every *.Tests.ps1 here.
    [string[]]$Path = @($PSScriptRoot),
    # Only tests carrying one of these tags.
    [string[]]$Tag
)
$ErrorActionPreference = 'Stop'
if (-not $Pester -or -not (Test-Path $Pester)) { throw "Pester not found at '$Pester': pass -Pester or set WILDBACKUP_PESTER (tests/run-all.sh restores it)." }
if (-not (Test-Path $Module)) { throw "The module is not built at '$Module': run ./build.ps1 first." }
Import-Module $Pester -Force
if ((Get-Module Pester).Version -lt [version]'5.7') { throw "Pester 5.7 or later is needed; $Pester is $((Get-Module Pester).Version)." }
$env:WILDBACKUP_MODULE_PATH = [IO.Path]::GetFullPath($Module)

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.Should.ErrorAction = 'Stop'
if ($Tag) { $config.Filter.Tag = $Tag }
$result = Invoke-Pester -Configuration $config

# One plain closing line, and a non-zero exit for anything but a full pass (failed tests, failed setup, nothing run).
"$($result.PassedCount) passed, $($result.FailedCount) failed"
if ($result.Result -ne 'Passed' -or $result.PassedCount -eq 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) {
    exit 1
}
